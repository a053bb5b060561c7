import { type App, SocketModeReceiver, type SocketModeReceiverOptions } from '@slack/bolt';
import type { Logger } from 'pino';
import type { Metrics } from '../ops/metrics.js';
import { dispatchSlackRequest } from './dispatch.js';

/** What the SocketModeClient hands its `slack_event` listeners (the fields we use). */
interface SocketEnvelope {
  ack: (response?: Record<string, unknown>) => Promise<void>;
  body: Record<string, unknown>;
  retry_num?: number;
  retry_reason?: string;
}

type WebSocketMessageListener = (data: string | ArrayBuffer, isBinary: boolean) => Promise<void> | void;

/**
 * An events_api envelope whose payload has no inner event (Slack's `app_rate_limited` notice) makes the
 * SocketModeClient read `payload.event.type` and crash the process (slackapi/node-slack-sdk#2167). Such an
 * envelope is relabelled with this type, so the client hands it on like any other envelope, ack included.
 */
const EVENTLESS_EVENTS_API = 'events_api_without_event';

/**
 * Bolt's Socket Mode receiver acknowledges an Events API envelope before any listener runs, so an event
 * that arrives while Redis is down would be acked and lost. This one does what the HTTP receiver does
 * with `processBeforeResponse`: the ack goes to Slack only once the app has processed the envelope (the
 * event is recorded in Redis); if processing fails, no ack is sent and Slack delivers the envelope again.
 * An envelope no listener handles is acked once processed (dispatch.ts), as over HTTP.
 */
export class AckAfterProcessingSocketModeReceiver extends SocketModeReceiver {
  private boltApp: App | undefined;

  constructor(
    options: SocketModeReceiverOptions,
    private readonly log: Logger,
    private readonly metrics: Metrics,
  ) {
    super(options);
    // Replace the parent's listener, which acks before processing.
    this.client.removeAllListeners('slack_event');
    this.client.on('slack_event', (envelope: SocketEnvelope) => {
      void this.handle(envelope);
    });
    this.guardEventlessEnvelopes();
  }

  override init(app: App): void {
    super.init(app);
    this.boltApp = app;
  }

  private guardEventlessEnvelopes(): void {
    const clientListeners = this.client.listeners('ws_message') as WebSocketMessageListener[];
    this.client.removeAllListeners('ws_message');
    this.client.on('ws_message', (data: string | ArrayBuffer, isBinary: boolean) => {
      const message = isBinary ? data : relabelEventlessEnvelope(data);
      for (const listener of clientListeners) {
        Promise.resolve(listener(message, isBinary)).catch((err: unknown) =>
          this.log.error({ err }, 'socket mode message could not be read; ignored'),
        );
      }
    });
  }

  private async handle(envelope: SocketEnvelope): Promise<void> {
    const app = this.boltApp;
    if (!app) return;
    let response: Record<string, unknown> | undefined;
    try {
      await dispatchSlackRequest(
        app,
        {
          body: envelope.body,
          retryNum: envelope.retry_num,
          retryReason: envelope.retry_reason,
          // Bolt, a listener or dispatch.ts calls this; its payload goes out with the real ack below.
          ack: async (payload?: unknown) => {
            if (payload && typeof payload === 'object') response = payload as Record<string, unknown>;
          },
        },
        { log: this.log, metrics: this.metrics },
      );
    } catch (err) {
      this.log.error(
        { err, retryNum: envelope.retry_num },
        'socket mode envelope not processed; not acking, so Slack delivers it again',
      );
      return;
    }
    // Processed, or dropped on purpose (a duplicate delivery): either way Slack may forget it.
    await envelope.ack(response).catch((err: unknown) => this.log.warn({ err }, 'socket mode ack failed'));
  }
}

/** The message as received, unless it is an events_api envelope without an inner event: then relabelled. */
export function relabelEventlessEnvelope(data: string | ArrayBuffer): string | ArrayBuffer {
  const text = typeof data === 'string' ? data : new TextDecoder().decode(data);
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return data; // the client ignores what it cannot parse
  }
  if (!isRecord(message) || message.type !== 'events_api') return data;
  const payload = message.payload;
  const event = isRecord(payload) ? payload.event : undefined;
  if (isRecord(event) && typeof event.type === 'string') return data;
  return JSON.stringify({ ...message, type: EVENTLESS_EVENTS_API });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
