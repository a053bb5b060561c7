import type { App, ReceiverEvent } from '@slack/bolt';
import type { Logger } from 'pino';
import { assertNever } from '../domain/assert-never.js';
import type { Metrics } from '../ops/metrics.js';
import { classifySlackBody } from './slack-body.js';

export interface DispatchDeps {
  log: Logger;
  metrics: Metrics;
}

/**
 * Hands a request from either receiver (HTTP or Socket Mode) to the app, and makes sure Slack gets its ack:
 * Slack counts an unanswered delivery as failed and throttles apps whose deliveries fail, so a request no
 * listener handles (an action, view, shortcut or command we do not use) is acked empty once the app has
 * processed it, instead of Bolt's 404 after 3 s. If processing throws (Redis down), nothing is acked, so
 * Slack delivers the request again.
 */
export async function dispatchSlackRequest(
  app: App,
  event: ReceiverEvent,
  deps: DispatchDeps,
): Promise<void> {
  const body = classifySlackBody(event.body);
  switch (body.kind) {
    case 'app_rate_limited':
      // Bolt finds no inner event here and would leave it unanswered.
      deps.metrics.slackAppRateLimited.inc();
      deps.log.warn(
        { teamId: body.teamId, minuteRateLimited: body.minuteRateLimited },
        'Slack reports app_rate_limited: it is dropping event deliveries for this workspace',
      );
      await event.ack();
      return;
    case 'malformed':
      // Only Socket Mode gets here (the HTTP receiver refuses these with a 4xx): ack, or Slack resends it.
      deps.log.warn({ reason: body.reason }, 'malformed Slack request acknowledged and dropped');
      await event.ack();
      return;
    case 'dispatch':
      break;
    default:
      assertNever(body);
  }
  let acked = false;
  await app.processEvent({
    ...event,
    ack: async (response?: unknown) => {
      acked = true;
      await event.ack(response);
    },
  });
  if (!acked) {
    deps.log.debug(
      { type: event.body.type ?? event.body.command },
      'no listener handled this request; acked',
    );
    await event.ack();
  }
}
