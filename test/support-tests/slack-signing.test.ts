import { createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { App } from '@slack/bolt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { silentSlackLogger } from '../support/silent-slack-logger.js';
import {
  blockActionPayload,
  eventEnvelope,
  postSignedAction,
  postSignedEvent,
  signSlackRequest,
} from '../support/slack-signing.js';
import { type SlackStandIn, startSlackStandIn } from '../support/slack-stand-in.js';
import { waitFor } from '../support/wait.js';

const SECRET = 'test-signing-secret';

describe('signSlackRequest', () => {
  it('signs v0:<ts>:<body> with HMAC-SHA256', () => {
    const headers = signSlackRequest('secret', '{"a":1}', 1_700_000_000);
    const expected = createHmac('sha256', 'secret').update('v0:1700000000:{"a":1}').digest('hex');
    expect(headers).toEqual({
      'x-slack-request-timestamp': '1700000000',
      'x-slack-signature': `v0=${expected}`,
    });
  });
});

describe('signed requests against a real Bolt app', () => {
  let slack: SlackStandIn;
  let app: App;
  let appUrl: string;
  const seen: Array<{ kind: string; retryNum: number | undefined; payload: unknown }> = [];

  beforeAll(async () => {
    slack = await startSlackStandIn();
    app = new App({
      token: 'xoxb-test-token',
      signingSecret: SECRET,
      logger: silentSlackLogger,
      clientOptions: { slackApiUrl: slack.apiUrl },
    });
    app.event('app_mention', async ({ event, context }) => {
      seen.push({ kind: 'app_mention', retryNum: context.retryNum, payload: event });
    });
    app.action('approve', async ({ ack, body }) => {
      await ack();
      seen.push({ kind: 'approve', retryNum: undefined, payload: body });
    });
    const server = await app.start(0);
    appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await app.stop();
    await slack.close();
  });
  beforeEach(() => {
    seen.length = 0;
  });

  it('delivers a signed event, with the retry number Slack sends on redelivery', async () => {
    const event = { type: 'app_mention', user: 'U1', text: '<@UBOT> plan it', channel: 'C1', ts: '1.000001' };
    const envelope = eventEnvelope(event);
    expect(envelope).toMatchObject({
      type: 'event_callback',
      team_id: 'T0001',
      event_id: expect.stringMatching(/^Ev/),
    });

    const result = await postSignedEvent(appUrl, SECRET, envelope, { retryNum: 1 });
    expect(result.status).toBe(200);
    expect(result.ms).toBeLessThan(3_000);
    // Bolt acknowledges before its listeners finish, so wait for the handler rather than assume it ran.
    await waitFor(() => seen.length > 0, { timeoutMs: 2_000 });
    expect(seen).toEqual([{ kind: 'app_mention', retryNum: 1, payload: event }]);
    // Bolt verified its token against the stand-in when it started.
    expect(slack.callsTo('auth.test').length).toBeGreaterThan(0);
  });

  it('delivers a signed button click as a form-encoded payload', async () => {
    const payload = blockActionPayload({
      userId: 'U1',
      channelId: 'C1',
      messageTs: '1.000002',
      threadTs: '1.000001',
      actionId: 'approve',
      value: 'run-42',
    });
    const result = await postSignedAction(appUrl, SECRET, payload);
    expect(result.status).toBe(200);
    await waitFor(() => seen.length > 0, { timeoutMs: 2_000 });
    expect(seen[0]?.payload).toMatchObject({
      type: 'block_actions',
      actions: [{ action_id: 'approve', value: 'run-42' }],
      message: { ts: '1.000002', thread_ts: '1.000001' },
    });
  });

  it('is rejected with a bad signature or a stale timestamp', async () => {
    const envelope = eventEnvelope({ type: 'app_mention', user: 'U1', text: 'hi', channel: 'C1', ts: '1.1' });
    expect((await postSignedEvent(appUrl, SECRET, envelope, { badSignature: true })).status).toBe(401);
    const stale = Math.floor(Date.now() / 1000) - 10 * 60;
    expect((await postSignedEvent(appUrl, SECRET, envelope, { timestamp: stale })).status).toBe(401);
    expect(seen).toEqual([]);
  });
});
