import { describe, expect, it } from 'vitest';
import {
  eventEnvelope,
  postSignedAction,
  postSignedEvent,
  signSlackRequest,
} from '../support/slack-signing.js';
import { waitFor } from '../support/wait.js';
import { CHANNEL, type Harness, nextTs, SIGNING_SECRET, startHarness, TEAM } from './harness.js';

const welcomes = (harness: Harness, threadTs: string) =>
  harness.posts(threadTs).filter((c) => String(c.args.text).includes("I'm Pipewright"));

describe('Slack delivery', () => {
  it('opens one project when Slack redelivers the same event (X-Slack-Retry-Num)', async () => {
    const h = await startHarness();
    const first = await h.mention('build a churn model', { eventId: 'Ev0DUPLICATE1' });
    const ts = first.threadTs;
    const second = await h.mention('build a churn model', { eventId: 'Ev0DUPLICATE1', ts, retryNum: 1 });
    const third = await h.mention('build a churn model', { eventId: 'Ev0DUPLICATE1', ts, retryNum: 2 });
    expect([first.status, second.status, third.status]).toEqual([200, 200, 200]);
    await h.waitForThread(ts, /A few questions before I plan/);
    // Give a wrongly accepted duplicate time to show itself before counting.
    await new Promise((r) => setTimeout(r, 300));
    expect(welcomes(h, ts)).toHaveLength(1);
    expect(h.model.requests.filter((r) => r.lastUserText.includes('clarification round 1'))).toHaveLength(1);
  });

  it('opens a project from a direct message and reads replies in its thread', async () => {
    const h = await startHarness();
    const ts = nextTs();
    const dm = (text: string, msgTs: string, threadTs?: string) =>
      eventEnvelope(
        {
          type: 'message',
          channel_type: 'im',
          channel: 'D0DIRECT',
          user: 'UDM',
          text,
          ts: msgTs,
          ...(threadTs ? { thread_ts: threadTs } : {}),
        },
        { teamId: TEAM },
      );
    expect(
      (await postSignedEvent(h.appUrl, SIGNING_SECRET, dm('forecast demand for our stores', ts))).status,
    ).toBe(200);
    await h.waitForThread(ts, /A few questions before I plan/);
    expect(String(h.posts(ts)[0]?.args.channel)).toBe('D0DIRECT');
    await postSignedEvent(h.appUrl, SIGNING_SECRET, dm('go', nextTs(), ts));
    await h.waitForThread(ts, /Plan: /);
  });

  it('waits out a 429 from Slack for Retry-After and still delivers the message', async () => {
    const h = await startHarness();
    h.slack.rateLimitNext('chat.postMessage', 1, 1);
    const { threadTs } = await h.mention('build a churn model');
    await h.waitForThread(threadTs, /I'm Pipewright/);
    const posts = h.slack.callsTo('chat.postMessage');
    const limited = posts.find((c) => c.status === 429);
    const delivered = posts.find((c) => c.response.ok === true);
    expect(limited).toBeDefined();
    expect((delivered?.at ?? 0) - (limited?.at ?? 0)).toBeGreaterThanOrEqual(1000);
    expect(welcomes(h, threadTs)).toHaveLength(1);
  });

  it('refuses a bad signature and a stale timestamp with 401, and keeps serving', async () => {
    const h = await startHarness();
    const ts = nextTs();
    const envelope = eventEnvelope(
      { type: 'app_mention', user: 'U1', text: '<@UBOT> hi', ts, channel: CHANNEL },
      { teamId: TEAM },
    );
    const forged = await postSignedEvent(h.appUrl, SIGNING_SECRET, envelope, { badSignature: true });
    const stale = await postSignedEvent(h.appUrl, SIGNING_SECRET, envelope, {
      timestamp: Math.floor(Date.now() / 1000) - 600,
    });
    expect(forged.status).toBe(401);
    expect(stale.status).toBe(401);
    await new Promise((r) => setTimeout(r, 200));
    expect(h.slack.callsTo('chat.postMessage')).toEqual([]);

    const ok = await h.mention('now a real one');
    expect(ok.status).toBe(200);
    await h.waitForThread(ok.threadTs, /I'm Pipewright/);
  });

  it('answers malformed and unknown payloads with a 4xx or a quiet ack, never a crash', async () => {
    const h = await startHarness();
    const post = (body: string, contentType = 'application/json') => {
      const ts = Math.floor(Date.now() / 1000);
      return fetch(`${h?.appUrl}/slack/events`, {
        method: 'POST',
        headers: { 'content-type': contentType, ...signSlackRequest(SIGNING_SECRET, body, ts) },
        body,
      });
    };
    expect((await post('{not json')).status).toBeGreaterThanOrEqual(400);
    expect((await post('{not json')).status).toBeLessThan(500);
    // An event type we do not listen to, and a mention missing its user: acked, ignored.
    const unknown = eventEnvelope({ type: 'reaction_added', user: 'U1', reaction: 'tada' }, { teamId: TEAM });
    expect((await postSignedEvent(h.appUrl, SIGNING_SECRET, unknown)).status).toBe(200);
    const broken = eventEnvelope(
      { type: 'app_mention', text: 'no user', ts: nextTs(), channel: CHANNEL },
      { teamId: TEAM },
    );
    expect((await postSignedEvent(h.appUrl, SIGNING_SECRET, broken)).status).toBe(200);
    // A click whose button value is garbage.
    const click = {
      type: 'block_actions',
      user: { id: 'U1' },
      team: { id: TEAM },
      channel: { id: CHANNEL },
      actions: [{ action_id: 'gate_approve', value: '{{{', action_ts: '1.2', type: 'button' }],
    };
    expect((await postSignedAction(h.appUrl, SIGNING_SECRET, click)).status).toBe(200);
    // A huge mention is taken, and its echo stays within Slack's limits.
    const huge = await h.mention(`build ${'x'.repeat(39_000)}`);
    expect(huge.status).toBe(200);
    await h.waitForThread(huge.threadTs, /A few questions before I plan/);
    // The app is still up.
    expect((await fetch(`${h.appUrl}/healthz`)).status).toBe(200);
    await waitFor(() => h?.slack.calls.every((c) => c.response.ok !== false), {
      message: 'a Slack call was refused',
    });
  });
});
