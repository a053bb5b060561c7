import type { Redis } from 'ioredis';
import type { Logger } from '../../logger.js';
import { releaseEvent } from '../../memory/dedupe.js';
import type { KeySpace } from '../../memory/keys.js';
import { enqueueEvent, type Queues } from '../../memory/queues.js';
import type { Metrics } from '../../ops/metrics.js';
import type { OrchestratorEvent } from '../../orchestrator/events.js';

export interface ListenerDeps {
  redis: Redis;
  keys: KeySpace;
  queues: Queues;
  logger: Logger;
  metrics: Metrics;
}

/**
 * Hands an event to the orchestrator. If Redis refuses it, the dedupe claim is released and the error
 * rethrown: Bolt answers 500 and Slack delivers the event again, so nothing the user said is lost.
 */
export async function deliverEvent(
  deps: ListenerDeps,
  event: OrchestratorEvent,
  slackEventId?: string,
): Promise<void> {
  try {
    await enqueueEvent(deps.queues, event);
    deps.metrics.slackEvents.inc({ kind: event.type });
  } catch (err) {
    deps.logger.error(
      { err, eventId: event.eventId },
      'could not record a Slack event; Slack will redeliver it',
    );
    if (slackEventId) await releaseEvent(deps.redis, deps.keys, slackEventId).catch(() => undefined);
    throw err;
  }
}
