import { type App, SocketModeReceiver, type SocketModeReceiverOptions } from '@slack/bolt';
import type { Logger } from '../logger.js';

/** What the SocketModeClient hands its `slack_event` listeners (the fields we use). */
interface SocketEnvelope {
  ack: (response?: Record<string, unknown>) => Promise<void>;
  body: Record<string, unknown>;
  retry_num?: number;
  retry_reason?: string;
}

/**
 * Bolt's Socket Mode receiver acknowledges an Events API envelope before any listener runs, so an event
 * that arrives while Redis is down would be acked and lost. This one does what the HTTP receiver does
 * with `processBeforeResponse`: the ack goes to Slack only once the app has processed the envelope (the
 * event is recorded in Redis); if processing fails, no ack is sent and Slack delivers the envelope again.
 */
export class AckAfterProcessingSocketModeReceiver extends SocketModeReceiver {
  private boltApp: App | undefined;

  constructor(
    options: SocketModeReceiverOptions,
    private readonly log: Logger,
  ) {
    super(options);
    // Replace the parent's listener, which acks before processing.
    this.client.removeAllListeners('slack_event');
    this.client.on('slack_event', (envelope: SocketEnvelope) => {
      void this.handle(envelope);
    });
  }

  override init(app: App): void {
    super.init(app);
    this.boltApp = app;
  }

  private async handle(envelope: SocketEnvelope): Promise<void> {
    let response: Record<string, unknown> | undefined;
    try {
      await this.boltApp?.processEvent({
        body: envelope.body,
        retryNum: envelope.retry_num,
        retryReason: envelope.retry_reason,
        // Bolt (for events) or the listener calls this; its payload goes out with the real ack below.
        ack: async (payload?: unknown) => {
          if (payload && typeof payload === 'object') response = payload as Record<string, unknown>;
        },
      });
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
