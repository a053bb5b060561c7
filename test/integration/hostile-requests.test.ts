import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.js';
import { createLogger } from '../../src/app/logger.js';
import { startSystem } from '../../src/app/system.js';
import { startAnthropicStandIn } from '../support/anthropic-stand-in.js';
import type { AppProcess } from '../support/processes.js';
import { findFreePort, startRedisServer } from '../support/redis-server.js';
import {
  blockActionPayload,
  eventEnvelope,
  postSignedAction,
  postSignedCommand,
  postSignedEvent,
  postSignedRaw,
} from '../support/slack-signing.js';
import { startSlackStandIn } from '../support/slack-stand-in.js';
import { waitFor } from '../support/wait.js';
import {
  CHANNEL,
  type Harness,
  metricSample,
  nextTs,
  REQUESTER,
  SIGNING_SECRET,
  startHarness,
  startProcessCluster,
  TEAM,
  testEnv,
  waitForHealthz,
} from './harness.js';

const procs: AppProcess[] = [];
afterEach(async () => {
  for (const p of procs.splice(0)) await p.kill();
});

const JSON_TYPE = 'application/json';
const FORM_TYPE = 'application/x-www-form-urlencoded';
const RATE_LIMITED_METRIC = 'pipewright_slack_app_rate_limited_total';

function mentionEnvelope(text: string) {
  const ts = nextTs();
  const envelope = eventEnvelope(
    { type: 'app_mention', user: REQUESTER, text: `<@UBOT> ${text}`, ts, channel: CHANNEL, event_ts: ts },
    { teamId: TEAM },
  );
  return { threadTs: ts, envelope };
}

/** What Slack posts when it starts dropping this app's event deliveries for a workspace. */
const appRateLimited = () => ({
  token: 'legacy-verification-token',
  type: 'app_rate_limited',
  team_id: TEAM,
  minute_rate_limited: Math.floor(Date.now() / 60_000) * 60,
  api_app_id: 'A0PIPEWRIGHT',
});

/** Requests Slack sends that no listener of ours handles. */
function unhandledInteractions() {
  const user = { id: REQUESTER, username: 'requester', name: 'requester', team_id: TEAM };
  const common = {
    api_app_id: 'A0PIPEWRIGHT',
    token: 'legacy-verification-token',
    team: { id: TEAM, domain: 'test' },
    user,
    is_enterprise_install: false,
    enterprise: null,
  };
  const view = {
    id: 'V0NOTOURS',
    team_id: TEAM,
    type: 'modal',
    callback_id: 'not_ours',
    private_metadata: '',
    state: { values: {} },
    hash: '1700000000.abc',
    blocks: [],
  };
  return {
    unknownAction: blockActionPayload({
      userId: REQUESTER,
      channelId: CHANNEL,
      messageTs: nextTs(),
      actionId: 'not_ours',
      value: 'anything',
      teamId: TEAM,
    }),
    viewSubmission: { ...common, type: 'view_submission', trigger_id: '1.2.3', view, response_urls: [] },
    viewClosed: { ...common, type: 'view_closed', view, is_cleared: false },
    globalShortcut: {
      ...common,
      type: 'shortcut',
      callback_id: 'not_ours',
      trigger_id: '1.2.3',
      action_ts: '1.2',
    },
    blockSuggestion: {
      ...common,
      type: 'block_suggestion',
      action_id: 'not_ours',
      block_id: 'b1',
      value: 'chu',
      container: { type: 'view', view_id: 'V0NOTOURS' },
      view,
    },
  };
}

const health = async (url: string) => {
  const res = await fetch(`${url}/healthz`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

describe('hostile request bodies', () => {
  it('refuses a signed JSON null with 400, and the bot process lives on to take the next mention', async () => {
    const cluster = await startProcessCluster(procs);
    const bot = await cluster.start('bot');

    const answer = await postSignedRaw(cluster.h.appUrl, SIGNING_SECRET, 'null', JSON_TYPE).then(
      (r) => r.status,
      (err: unknown) => `no answer (${String(err)})`,
    );
    const good = await postSignedEvent(
      cluster.h.appUrl,
      SIGNING_SECRET,
      mentionEnvelope('build a churn model').envelope,
    ).then(
      (r) => r.status,
      (err: unknown) => `no answer (${String(err)})`,
    );

    expect({ answer, exitCode: bot.child.exitCode, good }, bot.output().slice(-2000)).toEqual({
      answer: 400,
      exitCode: null,
      good: 200,
    });
  });

  it('answers every malformed signed body with 4xx, and the app goes on taking mentions', async () => {
    const h = await startHarness();
    const bad: Array<[name: string, body: string, contentType: string]> = [
      ['JSON null', 'null', JSON_TYPE],
      ['JSON array', '[]', JSON_TYPE],
      ['JSON string', '"x"', JSON_TYPE],
      ['JSON number', '42', JSON_TYPE],
      ['not JSON at all', 'not json', JSON_TYPE],
      ['an empty object', '{}', JSON_TYPE],
      ['{} as text/plain', '{}', 'text/plain'],
      ['{} as multipart', '{}', 'multipart/form-data; boundary=x'],
      ['an event_callback whose event is null', '{"type":"event_callback","event":null}', JSON_TYPE],
      ['form payload=null', 'payload=null', FORM_TYPE],
      ['form payload=[]', 'payload=%5B%5D', FORM_TYPE],
      ['form payload that is not JSON', 'payload=%7Bnope', FORM_TYPE],
      ['form without payload or command', 'hello=world', FORM_TYPE],
    ];
    const answers: Record<string, number> = {};
    for (const [name, body, contentType] of bad) {
      answers[name] = (await postSignedRaw(h.appUrl, SIGNING_SECRET, body, contentType)).status;
    }
    const refused = Object.fromEntries(Object.entries(answers).map(([n, s]) => [n, s >= 400 && s < 500]));
    expect(refused, JSON.stringify(answers)).toEqual(Object.fromEntries(bad.map(([n]) => [n, true])));

    // A bad body that is also badly signed is refused for its signature: nothing is judged unsigned.
    expect(
      (await postSignedRaw(h.appUrl, SIGNING_SECRET, 'null', JSON_TYPE, { badSignature: true })).status,
    ).toBe(401);

    // The app still works.
    const mention = mentionEnvelope('build a churn model after the junk');
    expect((await postSignedEvent(h.appUrl, SIGNING_SECRET, mention.envelope)).status).toBe(200);
    await h.waitForThread(mention.threadTs, /A few questions before I plan/);
    expect(h.logs.some((l) => l.level === 40 && /refused/.test(String(l.msg)))).toBe(true);
  });
});

describe('request timestamps', () => {
  it('refuses a signed request stamped more than five minutes from now, in either direction, with 401', async () => {
    const h = await startHarness();
    const now = Math.floor(Date.now() / 1000);
    const future = mentionEnvelope('from the future');
    const past = mentionEnvelope('from the past');
    const nearFuture = mentionEnvelope('build a churn model, clock slightly ahead');

    expect(
      (await postSignedEvent(h.appUrl, SIGNING_SECRET, future.envelope, { timestamp: now + 6 * 60 })).status,
    ).toBe(401);
    expect(
      (await postSignedEvent(h.appUrl, SIGNING_SECRET, past.envelope, { timestamp: now - 6 * 60 })).status,
    ).toBe(401);
    // Within the window both ways: a clock a little ahead is fine.
    expect(
      (await postSignedEvent(h.appUrl, SIGNING_SECRET, nearFuture.envelope, { timestamp: now + 4 * 60 }))
        .status,
    ).toBe(200);
    await h.waitForThread(nearFuture.threadTs, /A few questions before I plan/);
    expect(h.posts(future.threadTs)).toEqual([]);
    expect(h.posts(past.threadTs)).toEqual([]);
  });
});

describe('requests Slack sends that the app does not handle', () => {
  it('acks each of them with 2xx (HTTP): events, actions, views, shortcuts, options, commands', async () => {
    const h = await startHarness();
    const i = unhandledInteractions();
    const ts = nextTs();
    const answers = {
      reactionAdded: (
        await postSignedEvent(
          h.appUrl,
          SIGNING_SECRET,
          eventEnvelope(
            {
              type: 'reaction_added',
              user: REQUESTER,
              reaction: 'thumbsup',
              item: { type: 'message', channel: CHANNEL, ts },
              event_ts: ts,
            },
            { teamId: TEAM },
          ),
        )
      ).status,
      unknownAction: (await postSignedAction(h.appUrl, SIGNING_SECRET, i.unknownAction)).status,
      viewSubmission: (await postSignedAction(h.appUrl, SIGNING_SECRET, i.viewSubmission)).status,
      viewClosed: (await postSignedAction(h.appUrl, SIGNING_SECRET, i.viewClosed)).status,
      globalShortcut: (await postSignedAction(h.appUrl, SIGNING_SECRET, i.globalShortcut)).status,
      blockSuggestion: (await postSignedAction(h.appUrl, SIGNING_SECRET, i.blockSuggestion)).status,
      unknownCommand: (
        await postSignedCommand(h.appUrl, SIGNING_SECRET, {
          command: '/not-ours',
          text: 'hello',
          userId: REQUESTER,
          channelId: CHANNEL,
        })
      ).status,
    };
    expect(answers).toEqual({
      reactionAdded: 200,
      unknownAction: 200,
      viewSubmission: 200,
      viewClosed: 200,
      globalShortcut: 200,
      blockSuggestion: 200,
      unknownCommand: 200,
    });
  });

  it('acks app_rate_limited, logs a warning and counts it; url_verification and ssl_check still answer', async () => {
    const h = await startHarness();
    const res = await postSignedEvent(h.appUrl, SIGNING_SECRET, appRateLimited());
    expect(res.status).toBe(200);
    expect(metricSample(await (await fetch(`${h.appUrl}/metrics`)).text(), RATE_LIMITED_METRIC)).toBe(1);
    expect(
      h.logs.filter((l) => l.level === 40 && l.teamId === TEAM && /app_rate_limited/.test(String(l.msg))),
    ).toHaveLength(1);

    const challenge = `challenge-${randomUUID()}`;
    const verification = await postSignedEvent(h.appUrl, SIGNING_SECRET, {
      token: 'legacy-verification-token',
      challenge,
      type: 'url_verification',
    });
    expect({ status: verification.status, body: JSON.parse(verification.body) }).toEqual({
      status: 200,
      body: { challenge },
    });

    // Slack checks the certificate of a slash command URL with an unsigned ssl_check.
    const sslCheck = await fetch(`${h.appUrl}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': FORM_TYPE },
      body: 'ssl_check=1&token=legacy-verification-token',
    });
    expect(sslCheck.status).toBe(200);
  });

  it('acks each of them over Socket Mode too, and counts app_rate_limited there', async () => {
    const port = await findFreePort();
    const h = await startHarness({ SLACK_APP_TOKEN: 'xapp-test-token', PORT: String(port) });
    await waitForSocket(h);
    const i = unhandledInteractions();
    const ts = nextTs();
    const acks = {
      reactionAdded: await h.slack.sendEnvelope(
        'events_api',
        eventEnvelope(
          {
            type: 'reaction_added',
            user: REQUESTER,
            reaction: 'thumbsup',
            item: { type: 'message', channel: CHANNEL, ts },
            event_ts: ts,
          },
          { teamId: TEAM },
        ),
      ),
      appRateLimited: await h.slack.sendEnvelope('events_api', appRateLimited()),
      unknownAction: await h.slack.sendEnvelope('interactive', i.unknownAction),
      viewSubmission: await h.slack.sendEnvelope('interactive', i.viewSubmission),
      globalShortcut: await h.slack.sendEnvelope('interactive', i.globalShortcut),
      unknownCommand: await h.slack.sendEnvelope('slash_commands', {
        token: 'legacy-verification-token',
        team_id: TEAM,
        channel_id: CHANNEL,
        user_id: REQUESTER,
        command: '/not-ours',
        text: 'hello',
        api_app_id: 'A0PIPEWRIGHT',
        response_url: 'https://hooks.slack.com/commands/T/1/x',
        trigger_id: '1.2.3',
      }),
    };
    // An envelope whose payload is not an object is acked and dropped, not retried forever.
    const arrayPayload = await h.slack.sendEnvelope('interactive', []);
    expect(Object.values(acks).map((a) => a.ack)).toEqual(Object.values(acks).map(() => ({})));
    expect(arrayPayload.ack).toEqual({});
    expect(metricSample(await (await fetch(`${h.appUrl}/metrics`)).text(), RATE_LIMITED_METRIC)).toBe(1);
    expect(h.logs.some((l) => l.level === 40 && /app_rate_limited/.test(String(l.msg)))).toBe(true);
    // The app_rate_limited envelope (no inner event) did not take the connection down.
    expect(h.slack.callsTo('apps.connections.open')).toHaveLength(1);
  });
});

describe('operator endpoints', () => {
  it('answers /healthz 503 while Redis is down without repeating the Redis error', async () => {
    const redis = await startRedisServer();
    let redisUp = true;
    const h = await startHarness({ REDIS_URL: redis.url });
    try {
      await redis.stop();
      redisUp = false;
      await waitForHealthz(h, 503);
      const { status, body } = await health(h.appUrl);
      expect(status).toBe(503);
      expect(body).toEqual({ status: 'unavailable', role: 'all', redis: 'down' });
    } finally {
      if (!redisUp) {
        // Let the system reconnect before it is stopped: it cannot stop cleanly mid-reconnect.
        await redis.restart();
        await waitForHealthz(h, 200);
      }
      await h.close();
      await redis.stop();
    }
  });

  it('serves /metrics on METRICS_PORT and no longer on PORT, where /healthz stays', async () => {
    const metricsPort = await findFreePort();
    const h = await startHarness({ METRICS_PORT: String(metricsPort) });
    await expectMetricsOnlyOn(h.appUrl, `http://127.0.0.1:${metricsPort}`);
  });

  it('does the same for a worker on its own', async () => {
    const slack = await startSlackStandIn();
    const model = await startAnthropicStandIn();
    const [port, metricsPort] = [await findFreePort(), await findFreePort()];
    const config = loadConfig(
      testEnv(slack, model, { PORT: String(port), METRICS_PORT: String(metricsPort), LOG_LEVEL: 'warn' }),
    );
    const quiet = new Writable({ write: (_chunk, _enc, done) => done() });
    const system = await startSystem(config, 'worker', createLogger(config.logLevel, quiet));
    try {
      await expectMetricsOnlyOn(`http://127.0.0.1:${port}`, `http://127.0.0.1:${metricsPort}`);
    } finally {
      await system.stop();
      await Promise.all([slack.close(), model.close()]);
    }
  });
});

async function expectMetricsOnlyOn(appUrl: string, metricsUrl: string): Promise<void> {
  const onMetricsPort = await fetch(`${metricsUrl}/metrics`);
  expect(onMetricsPort.status).toBe(200);
  expect(await onMetricsPort.text()).toContain('pipewright_queue_jobs');
  expect((await fetch(`${appUrl}/metrics`)).status).toBe(404);
  expect((await fetch(`${appUrl}/healthz`)).status).toBe(200);
  expect((await fetch(`${metricsUrl}/healthz`)).status).toBe(404);
}

async function waitForSocket(h: Harness): Promise<void> {
  await waitFor(() => h.slack.socketClients() === 1, { message: 'the app never opened a socket' });
}
