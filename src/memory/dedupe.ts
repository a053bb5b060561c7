import type { Redis } from 'ioredis';
import type { KeySpace } from './keys.js';

/** How long an event id is remembered. Slack retries within minutes; a day is generous and cheap. */
export const EVENT_DEDUPE_TTL_SECONDS = 24 * 60 * 60;

/**
 * Records a Slack event id. True the first time it is seen, false for every redelivery. The key outlives
 * BullMQ's removal of finished jobs, which is why job ids alone are not enough.
 */
export async function claimEvent(redis: Redis, keys: KeySpace, eventId: string): Promise<boolean> {
  const result = await redis.set(keys.dedupeEvent(eventId), '1', 'EX', EVENT_DEDUPE_TTL_SECONDS, 'NX');
  return result === 'OK';
}

/** Forgets an event id, so Slack's next redelivery is processed (used when we failed to record the event). */
export async function releaseEvent(redis: Redis, keys: KeySpace, eventId: string): Promise<void> {
  await redis.del(keys.dedupeEvent(eventId));
}
