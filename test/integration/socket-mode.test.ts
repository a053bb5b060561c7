import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startRedisServer } from '../support/redis-server.js';
import { eventEnvelope, postSignedEvent } from '../support/slack-signing.js';
import { waitFor } from '../support/wait.js';
import { CHANNEL, nextTs, REQUESTER, SIGNING_SECRET, startHarness, TEAM, waitForHealthz } from './harness.js';

const APP_TOKEN = 'xapp-test-token';

/**
 * In Socket Mode Bolt's HTTP server (custom routes only) is not what `app.start()` returns, so the system
 * reports PORT as given: with PORT=0 nobody learns the real port. Pick a free one and pass it instead.
 */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, resolve)); // all interfaces, as Bolt listens
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function mentionEvent(text: string) {
  const ts = nextTs();
  const event = {
    type: 'app_mention',
    user: REQUESTER,
    text: `<@UBOT> ${text}`,
    ts,
    channel: CHANNEL,
    event_ts: ts,
  };
  return { threadTs: ts, envelope: eventEnvelope(event, { teamId: TEAM }) };
}

function threadReply(threadTs: string, text: string) {
  const ts = nextTs();
  const event = {
    type: 'message',
    channel_type: 'channel',
    user: REQUESTER,
    text,
    ts,
    thread_ts: threadTs,
    channel: CHANNEL,
    event_ts: ts,
  };
  return eventEnvelope(event, { teamId: TEAM });
}

describe('Socket Mode (SLACK_APP_TOKEN set)', () => {
  it('takes events and clicks over the WebSocket, acks each envelope, and serves /healthz on PORT', async () => {
    const port = await freePort();
    const h = await startHarness({ SLACK_APP_TOKEN: APP_TOKEN, PORT: String(port) });

    // Connected with the app token: apps.connections.open, then a WebSocket that got its hello.
    await waitFor(() => h.slack.socketClients() === 1, { message: 'the app never opened a socket' });
    const opens = h.slack.callsTo('apps.connections.open');
    expect(opens).toHaveLength(1);
    expect(opens[0]).toMatchObject({ token: APP_TOKEN, response: { ok: true } });
    // The bot token still does the Web API work.
    expect(h.slack.calls.filter((c) => c.token === APP_TOKEN).map((c) => c.method)).toEqual([
      'apps.connections.open',
    ]);

    // Bolt's Socket Mode receiver serves the custom routes on PORT.
    expect(h.system.port).toBe(port);
    const health = await waitFor(
      async () => {
        const res = await fetch(`${h.appUrl}/healthz`);
        return res.status === 200 ? ((await res.json()) as Record<string, unknown>) : undefined;
      },
      { timeoutMs: 5_000, message: `/healthz never answered 200 on port ${port}` },
    );
    expect(health).toMatchObject({ status: 'ok', role: 'all', redis: 'up' });

    // No HTTP event endpoint: a correctly signed POST /slack/events is refused and opens nothing.
    const overHttp = mentionEvent('build a churn model over HTTP');
    const httpPost = await postSignedEvent(h.appUrl, SIGNING_SECRET, overHttp.envelope);
    expect(httpPost.status).toBe(404);

    // A mention missing its channel, user and text is acked quietly (so Slack stops resending it) and
    // opens nothing; the socket stays up.
    const garbled = await h.slack.sendEnvelope(
      'events_api',
      eventEnvelope({ type: 'app_mention', event_ts: nextTs() }, { teamId: TEAM }),
    );
    expect(garbled.ack).toEqual({});
    expect(h.logs.some((l) => l.level === 40 && l.msg === 'ignoring malformed app_mention')).toBe(true);

    // An app_mention over the socket opens the project.
    const mention = mentionEvent('build a churn model for our subscription data and serve it behind an API');
    const threadTs = mention.threadTs;
    const mentionAck = await h.slack.sendEnvelope('events_api', mention.envelope);
    expect(mentionAck.ack).toEqual({}); // events are acked without a payload
    await h.waitForThread(threadTs, /Thanks <@UREQUESTER>! I'm Pipewright/);
    await h.waitForThread(threadTs, /A few questions before I plan/);
    expect(h.threadText(threadTs).indexOf("I'm Pipewright")).toBeLessThan(
      h.threadText(threadTs).indexOf('A few questions before I plan'),
    );

    // A plain thread reply over the socket skips the questions.
    const goAck = await h.slack.sendEnvelope('events_api', threadReply(threadTs, 'go'));
    expect(goAck.ack).toEqual({});
    await h.waitForThread(threadTs, /Plan: /);
    await h.waitForThread(threadTs, /Approval needed: phase3.mlops-engineer/);

    // The Approve click arrives as an interactive envelope.
    const click = h.clickPayload(threadTs, 'phase3.mlops-engineer', 'approve', REQUESTER);
    const clickAck = await h.slack.sendEnvelope('interactive', click);
    expect(clickAck.ack).toEqual({});
    await h.waitForThread(threadTs, /Approved by <@UREQUESTER>/);

    // Every envelope was acked exactly once, in order.
    expect(h.slack.socketAcks.map((a) => a.envelope_id)).toEqual([
      garbled.envelope_id,
      mentionAck.envelope_id,
      goAck.envelope_id,
      clickAck.envelope_id,
    ]);
    // Still one connection: no reconnects along the way.
    expect(h.slack.callsTo('apps.connections.open')).toHaveLength(1);
    // By now the HTTP mention would long have been welcomed, had it been taken.
    expect(h.posts(overHttp.threadTs)).toEqual([]);

    // Stopping the system closes the socket from the app's side (the stand-in's close() would force it).
    await h.system.stop();
    await waitFor(() => h.slack.socketClients() === 0, {
      timeoutMs: 3_000,
      message: 'the socket stayed open after stop()',
    });
  });

  it('does not ack an event it could not record while Redis is down, and takes the redelivery', async () => {
    const redis = await startRedisServer();
    const port = await freePort();
    const h = await startHarness({ SLACK_APP_TOKEN: APP_TOKEN, PORT: String(port), REDIS_URL: redis.url });
    let redisUp = true;
    try {
      await waitFor(() => h.slack.socketClients() === 1, { message: 'the app never opened a socket' });
      await redis.stop();
      redisUp = false;
      await waitForHealthz(h, 503);

      const mention = mentionEvent('build a churn model while Redis is away');
      await expect(
        h.slack.sendEnvelope('events_api', mention.envelope, { timeoutMs: 2_500 }),
      ).rejects.toThrow(/ack/i);
      expect(h.slack.socketAcks).toEqual([]);

      await redis.restart();
      redisUp = true;
      await waitForHealthz(h, 200);
      // Slack delivers the unacknowledged event again; this time it is recorded, acked, and opens the project.
      const redelivery = await h.slack.sendEnvelope('events_api', mention.envelope, { retryAttempt: 1 });
      expect(redelivery.ack).toEqual({});
      await h.waitForThread(mention.threadTs, /A few questions before I plan/, 20_000);
      expect(
        h.posts(mention.threadTs).filter((c) => /I'm Pipewright/.test(String(c.args.text))),
      ).toHaveLength(1);
    } finally {
      if (!redisUp) await redis.restart(); // failed mid-outage: let the system close cleanly
      await h.close();
      await redis.stop();
    }
  });
});
