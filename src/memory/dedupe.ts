import type { Redis } from 'ioredis';
import type { KeySpace } from './keys.js';

/** How long an event id is remembered. Slack retries within minutes; a day is generous and cheap. */
export const EVENT_DEDUPE_TTL_SECONDS = 24 * 60 * 60;

/**
 * Slack delivers an event again when it got no 2xx in time. An event is marked recorded only AFTER it is
 * on the orchestrator's queue, never before: a process killed between the two, or a step that fails
 * between them, leaves no mark, so Slack's redelivery is processed. The window the other order would
 * lose events in becomes a window in which an event may be enqueued twice, and that is harmless: the
 * job id is the event id (BullMQ keeps one job per id while it is kept), and the orchestrator skips an
 * event its project already applied (`recentEvents`). The mark outlives both, for redeliveries that come
 * late, and spares a redelivery the Slack lookups and the enqueue.
 */
export async function wasRecorded(redis: Redis, keys: KeySpace, eventId: string): Promise<boolean> {
  return (await redis.get(keys.dedupeEvent(eventId))) !== null;
}

/** Marks a Slack event id as recorded (on the queue). */
export async function markRecorded(redis: Redis, keys: KeySpace, eventId: string): Promise<void> {
  await redis.set(keys.dedupeEvent(eventId), '1', 'EX', EVENT_DEDUPE_TTL_SECONDS);
}
