import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { EventNotRecordedError } from '../domain/errors.js';
import type { OrchestratorEvent } from '../domain/events.js';
import { jobIds } from '../domain/ids.js';
import type { KeySpace } from './keys.js';
import { closeBullClient, ORCHESTRATOR_JOB_OPTIONS, QUEUE_NAMES } from './queues.js';

/**
 * How long a Slack listener waits to put an event on the orchestrator's queue. Slack wants an answer
 * within 3 s; past this bound the listener answers 500 (Slack delivers the event again) or tells the
 * clicker, instead of hanging.
 */
export const RECORD_TIMEOUT_MS = 1_000;

/** Puts Slack input on the orchestrator's queue, failing fast when Redis cannot take it. */
export interface EventIntake {
  /** Resolves once the event is on the queue; rejects with EventNotRecordedError otherwise. */
  record(event: OrchestratorEvent): Promise<void>;
  close(): Promise<void>;
}

/**
 * A producer of the orchestrator queue on the `command` connection (offline queue off, so a command
 * fails at once while Redis is away: BullMQ's "failing fast when Redis is down" pattern). The workers'
 * queues stay on the `blocking` connection, whose offline queue would hold an add until Redis returns:
 * fine for a worker, wrong for a listener, since an add that lands after we told Slack (or the clicker)
 * it failed would half-happen. The bounded wait also covers a connection that never became ready (BullMQ
 * waits for it before the first add).
 */
export function createEventIntake(
  command: Redis,
  keys: KeySpace,
  timeoutMs = RECORD_TIMEOUT_MS,
): EventIntake {
  const queue = new Queue<OrchestratorEvent>(QUEUE_NAMES.orchestrator, {
    connection: command,
    prefix: keys.bull,
  });
  // Connection errors are the command connection's to log (memory/redis.ts); the add's error is ours.
  queue.on('error', () => undefined);
  return {
    async record(event) {
      // Not connected: fail now. (BullMQ would otherwise wait for the connection and add the job later.)
      if (command.status !== 'ready') {
        throw new EventNotRecordedError(event.eventId, new Error(`redis connection is ${command.status}`));
      }
      let timer: NodeJS.Timeout | undefined;
      const add = queue.add(event.type, event, {
        ...ORCHESTRATOR_JOB_OPTIONS,
        jobId: jobIds.event(event.eventId),
      });
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`not recorded within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        await Promise.race([add, late]);
      } catch (err) {
        add.catch(() => undefined);
        throw new EventNotRecordedError(event.eventId, err);
      } finally {
        clearTimeout(timer);
      }
    },
    close: () => closeBullClient(queue),
  };
}
