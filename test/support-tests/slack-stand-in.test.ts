import { ErrorCode, WebClient, type WebClientOptions } from '@slack/web-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { silentSlackLogger } from '../support/silent-slack-logger.js';
import { type SlackStandIn, startSlackStandIn } from '../support/slack-stand-in.js';

const TOKEN = 'xoxb-test-token';

describe('Slack stand-in with the real WebClient', () => {
  let slack: SlackStandIn;
  const client = (options: WebClientOptions = {}, token: string | null = TOKEN) =>
    new WebClient(token ?? undefined, { slackApiUrl: slack.apiUrl, logger: silentSlackLogger, ...options });

  beforeAll(async () => {
    slack = await startSlackStandIn();
  });
  afterAll(() => slack.close());
  beforeEach(() => slack.reset());

  it('records a postMessage, decoding blocks, and answers like Slack', async () => {
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*Plan ready*' } }];
    const first = await client().chat.postMessage({
      channel: 'C1',
      text: 'Plan ready',
      blocks,
      thread_ts: '1.000001',
    });
    const second = await client().chat.postMessage({ channel: 'C1', text: 'again' });

    expect(first).toMatchObject({ ok: true, channel: 'C1', message: { text: 'Plan ready', user: 'UBOT' } });
    expect(first.message?.thread_ts).toBe('1.000001');
    expect(first.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(Number(second.ts)).toBeGreaterThan(Number(first.ts));
    const [call] = slack.callsTo('chat.postMessage');
    expect(call?.args).toMatchObject({ channel: 'C1', text: 'Plan ready', blocks });
    expect(call?.token).toBe(TOKEN);
  });

  it('answers auth.test with the configured identity', async () => {
    expect(await client().auth.test()).toMatchObject({
      ok: true,
      team_id: 'T0001',
      user_id: 'UBOT',
      bot_id: 'BBOT',
      is_enterprise_install: false,
    });
  });

  it('refuses an unknown method', async () => {
    await expect(client().apiCall('chat.postMessages', { channel: 'C1', text: 'x' })).rejects.toMatchObject({
      code: ErrorCode.PlatformError,
      data: { error: 'unknown_method' },
    });
  });

  it('refuses missing required arguments and a message without text', async () => {
    await expect(client().apiCall('chat.update', { channel: 'C1', text: 'x' })).rejects.toMatchObject({
      data: {
        error: 'invalid_arguments',
        response_metadata: { messages: ['[ERROR] missing required field: ts'] },
      },
    });
    await expect(client().apiCall('chat.postMessage', { channel: 'C1' })).rejects.toMatchObject({
      data: { error: 'no_text' },
    });
    await expect(
      client().chat.postMessage({ channel: 'C1', text: 'x'.repeat(40_001) }),
    ).rejects.toMatchObject({
      data: { error: 'msg_too_long' },
    });
  });

  it('refuses Block Kit beyond Slack limits, naming each problem', async () => {
    const blocks = [
      { type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(3001) } },
      { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } },
      { type: 'section' },
      { type: 'section', text: { type: 'mrkdwn', text: '' } },
      {
        type: 'actions',
        elements: [
          { type: 'button', text: { type: 'plain_text', text: 'b'.repeat(76) }, action_id: 'a'.repeat(256) },
          {
            type: 'button',
            text: { type: 'plain_text', text: 'ok' },
            action_id: 'ok',
            value: 'v'.repeat(2001),
          },
        ],
      },
    ];
    const error = await client()
      .chat.postMessage({ channel: 'C1', text: 'fallback', blocks })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ data: { error: 'invalid_blocks' } });
    const errors = (error as { data: { errors: string[] } }).data.errors;
    expect(errors).toEqual([
      'must be at most 3000 characters, got 3001 [json-pointer:/blocks/0/text/text]',
      'must be at most 150 characters, got 151 [json-pointer:/blocks/1/text/text]',
      'section block must have "text" or "fields" [json-pointer:/blocks/2]',
      'must be more than 0 characters [json-pointer:/blocks/3/text/text]',
      'must be at most 255 characters, got 256 [json-pointer:/blocks/4/elements/0/action_id]',
      'must be at most 75 characters, got 76 [json-pointer:/blocks/4/elements/0/text/text]',
      'must be at most 2000 characters, got 2001 [json-pointer:/blocks/4/elements/1/value]',
    ]);

    const tooMany = Array.from({ length: 51 }, () => ({ type: 'divider' }));
    await expect(
      client().chat.postMessage({ channel: 'C1', text: 'x', blocks: tooMany }),
    ).rejects.toMatchObject({
      data: {
        error: 'invalid_blocks',
        errors: ['no more than 50 blocks allowed, got 51 [json-pointer:/blocks]'],
      },
    });
  });

  it('refuses a missing or wrong token', async () => {
    await expect(client({}, null).auth.test()).rejects.toMatchObject({ data: { error: 'not_authed' } });
    await expect(client({}, 'xoxb-other').auth.test()).rejects.toMatchObject({
      data: { error: 'invalid_auth' },
    });
  });

  it('answers 429 with Retry-After, which the WebClient waits out before retrying', async () => {
    slack.rateLimitNext('chat.postMessage', 1, 1);
    const retrying = client({ retryConfig: { retries: 1, factor: 1, minTimeout: 10, maxTimeout: 10 } });
    const result = await retrying.chat.postMessage({ channel: 'C1', text: 'after the limit' });

    expect(result.ok).toBe(true);
    const [limited, accepted] = slack.callsTo('chat.postMessage');
    expect(limited).toMatchObject({ status: 429, response: { ok: false, error: 'ratelimited' } });
    expect(accepted?.status).toBe(200);
    expect((accepted?.at ?? 0) - (limited?.at ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it('surfaces the Retry-After to a client that rejects rate-limited calls', async () => {
    slack.rateLimitNext('reactions.add', 1, 7);
    await expect(
      client({ rejectRateLimitedCalls: true }).reactions.add({
        channel: 'C1',
        timestamp: '1.1',
        name: 'eyes',
      }),
    ).rejects.toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 7 });
  });

  it("enforces Slack's per-channel post limit when asked: a burst, then 429 until the next slot", async () => {
    slack.limitPostsPerChannel({ intervalMs: 60_000, burst: 2 });
    const strict = client({ rejectRateLimitedCalls: true });
    await strict.chat.postMessage({ channel: 'C1', text: 'one' });
    await strict.chat.postMessage({ channel: 'C1', text: 'two' });
    const third = strict.chat.postMessage({ channel: 'C1', text: 'three' });
    await expect(third).rejects.toMatchObject({ code: ErrorCode.RateLimitedError });
    const retryAfter = ((await third.catch((e: unknown) => e)) as { retryAfter: number }).retryAfter;
    expect(retryAfter).toBeGreaterThan(55);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Another channel has its own allowance, and edits are not posts.
    await expect(strict.chat.postMessage({ channel: 'C2', text: 'elsewhere' })).resolves.toMatchObject({
      ok: true,
    });
    const ts = String(slack.callsTo('chat.postMessage')[0]?.response.ts);
    await expect(strict.chat.update({ channel: 'C1', ts, text: 'edited' })).resolves.toMatchObject({
      ok: true,
    });
  });

  it('fails the next call on request, then behaves again', async () => {
    slack.failNext('chat.postMessage', 'channel_not_found');
    await expect(client().chat.postMessage({ channel: 'C404', text: 'x' })).rejects.toMatchObject({
      data: { error: 'channel_not_found' },
    });
    await expect(client().chat.postMessage({ channel: 'C1', text: 'x' })).resolves.toMatchObject({
      ok: true,
    });
  });

  it('takes a whole files.uploadV2 round trip', async () => {
    const result = await client().filesUploadV2({
      channel_id: 'C1',
      thread_ts: '1.000001',
      content: 'hello world',
      filename: 'report.md',
      title: 'Report',
    });
    expect(result.ok).toBe(true);
    expect(slack.calls.map((call) => call.method)).toEqual([
      'files.getUploadURLExternal',
      'upload',
      'files.completeUploadExternal',
    ]);
    const upload = slack.callsTo('upload')[0];
    expect(upload?.args).toMatchObject({ bytes: 11, content: 'hello world' });
    const complete = slack.callsTo('files.completeUploadExternal')[0];
    expect(complete?.args).toMatchObject({
      channel_id: 'C1',
      files: [{ id: upload?.args.file_id, title: 'Report' }],
    });
    expect(complete?.response).toMatchObject({
      ok: true,
      files: [{ id: upload?.args.file_id, title: 'Report' }],
    });
    // Shared into the thread, where conversations.replies finds it.
    const thread = await client().conversations.replies({ channel: 'C1', ts: '1.000001' });
    expect(thread.messages).toEqual([
      expect.objectContaining({
        thread_ts: '1.000001',
        files: [expect.objectContaining({ name: 'report.md' })],
      }),
    ]);
  });

  it('refuses to complete an upload it never handed out', async () => {
    await expect(
      client().files.completeUploadExternal({ files: [{ id: 'F_NOPE', title: 'x' }] }),
    ).rejects.toMatchObject({ data: { error: 'file_not_found' } });
  });

  it('answers users.info and conversations.replies plausibly', async () => {
    const info = await client().users.info({ user: 'U123' });
    expect(info.user).toMatchObject({ id: 'U123', team_id: 'T0001', is_bot: false });
    const replies = await client().conversations.replies({ channel: 'C1', ts: '1.000001' });
    expect(replies).toMatchObject({ ok: true, messages: [] });
  });

  it('accepts JSON bodies with the token in the body', async () => {
    const response = await fetch(`${slack.apiUrl}chat.postEphemeral`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: TOKEN, channel: 'C1', user: 'U1', text: 'only you' }),
    });
    expect(await response.json()).toMatchObject({ ok: true, message_ts: expect.any(String) });
    expect(slack.callsTo('chat.postEphemeral')[0]?.args).toEqual({
      channel: 'C1',
      user: 'U1',
      text: 'only you',
    });
  });

  it('waits for calls and explains a timeout with the last calls', async () => {
    setTimeout(() => void client().chat.postMessage({ channel: 'C9', text: 'late' }), 50);
    await slack.waitFor((calls) => calls.some((call) => call.args.channel === 'C9'), 2_000);
    await expect(slack.waitFor((calls) => calls.length > 5, 100)).rejects.toThrow(
      /1 call\(s\) recorded, last:\n {2}chat\.postMessage \{"channel":"C9","text":"late"\}/,
    );
  });
});
