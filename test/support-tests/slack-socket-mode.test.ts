import { SocketModeClient } from '@slack/socket-mode';
import { WebClient } from '@slack/web-api';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { silentSlackLogger } from '../support/silent-slack-logger.js';
import { type SlackStandIn, startSlackStandIn } from '../support/slack-stand-in.js';
import { waitFor } from '../support/wait.js';

const APP_TOKEN = 'xapp-test-token';
const BOT_TOKEN = 'xoxb-test-token';

describe('Slack stand-in Socket Mode with the real SocketModeClient', () => {
  let slack: SlackStandIn;
  let client: SocketModeClient | undefined;
  const socketClient = (appToken = APP_TOKEN) =>
    new SocketModeClient({
      appToken,
      logger: silentSlackLogger,
      autoReconnectEnabled: false,
      clientOptions: { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } },
    });
  const webClient = (token: string) =>
    new WebClient(token, { slackApiUrl: slack.apiUrl, logger: silentSlackLogger });

  beforeAll(async () => {
    slack = await startSlackStandIn();
  });
  afterAll(() => slack.close());
  beforeEach(() => slack.reset());
  afterEach(async () => {
    await client?.disconnect();
    client = undefined;
    await waitFor(() => slack.socketClients() === 0, { message: 'a socket stayed open after disconnect' });
  });

  it('connects with the app token, says hello, and resolves each envelope with its ack', async () => {
    client = socketClient();
    const received: Array<{ type: string; body: unknown }> = [];
    client.on('slack_event', async ({ ack, type, body }) => {
      received.push({ type, body });
      await (type === 'interactive' ? ack({ text: 'thanks' }) : ack());
    });
    const connection = await client.start(); // resolves on `hello`

    expect(connection).toMatchObject({
      ok: true,
      url: expect.stringMatching(/^ws:\/\/127\.0\.0\.1:\d+\/link\/\?ticket=/),
    });
    expect(slack.socketClients()).toBe(1);
    const [open] = slack.callsTo('apps.connections.open');
    expect(open?.token).toBe(APP_TOKEN);

    const event = { type: 'event_callback', event: { type: 'app_mention', text: 'hi' } };
    const eventAck = await slack.sendEnvelope('events_api', event);
    expect(eventAck).toEqual({ envelope_id: expect.any(String), ack: {} });
    const clickAck = await slack.sendEnvelope('interactive', { type: 'block_actions', actions: [] });
    expect(clickAck.ack).toEqual({ text: 'thanks' });

    expect(received).toEqual([
      { type: 'events_api', body: event },
      { type: 'interactive', body: { type: 'block_actions', actions: [] } },
    ]);
    expect(slack.socketAcks.map((a) => a.envelope_id)).toEqual([eventAck.envelope_id, clickAck.envelope_id]);
  });

  it('passes retry_attempt and retry_reason of a redelivered event', async () => {
    client = socketClient();
    let retry: unknown;
    client.on('app_mention', async ({ ack, retry_num, retry_reason }) => {
      retry = { retry_num, retry_reason };
      await ack();
    });
    await client.start();
    await slack.sendEnvelope(
      'events_api',
      { event: { type: 'app_mention' } },
      { retryAttempt: 1, retryReason: 'timeout' },
    );
    expect(retry).toEqual({ retry_num: 1, retry_reason: 'timeout' });
  });

  it('refuses apps.connections.open without the app token, and bot methods with it', async () => {
    await expect(webClient(BOT_TOKEN).apps.connections.open()).rejects.toMatchObject({
      data: { error: 'not_allowed_token_type' },
    });
    await expect(webClient('xapp-other').apps.connections.open()).rejects.toMatchObject({
      data: { error: 'invalid_auth' },
    });
    await expect(webClient(APP_TOKEN).chat.postMessage({ channel: 'C1', text: 'x' })).rejects.toMatchObject({
      data: { error: 'not_allowed_token_type' },
    });
    // invalid_auth is one of the errors the SocketModeClient does not retry.
    await expect(socketClient('xapp-other').start()).rejects.toMatchObject({
      data: { error: 'invalid_auth' },
    });
    expect(slack.socketClients()).toBe(0);
  });

  it('hands out single-use tickets and refuses a connection without one', async () => {
    const { url } = await webClient(APP_TOKEN).apps.connections.open();
    const first = new WebSocket(String(url));
    const hello = await new Promise<string>((resolve, reject) => {
      first.once('message', (data) => resolve(String(data)));
      first.once('error', reject);
    });
    expect(JSON.parse(hello)).toMatchObject({ type: 'hello', num_connections: 1 });

    const refused = (target: string) =>
      new Promise<number | undefined>((resolve) => {
        const ws = new WebSocket(target);
        ws.once('unexpected-response', (_req, res) => {
          resolve(res.statusCode);
          ws.terminate();
        });
        ws.once('open', () => {
          resolve(undefined);
          ws.terminate();
        });
        ws.once('error', () => resolve(undefined));
      });
    expect(await refused(String(url))).toBe(401);
    expect(await refused(String(url).replace(/\?.*$/, ''))).toBe(401);
    first.close();
  });

  it('rejects when no client is connected, and when the client never acks', async () => {
    await expect(slack.sendEnvelope('events_api', {})).rejects.toThrow(/no client connected/);

    client = socketClient();
    client.on('slack_event', () => {}); // never acks
    await client.start();
    await expect(
      slack.sendEnvelope('interactive', { type: 'block_actions' }, { timeoutMs: 200 }),
    ).rejects.toThrow(/no ack for interactive envelope [\w-]+ within 200 ms \(acks received: none\)/);
  });
});
