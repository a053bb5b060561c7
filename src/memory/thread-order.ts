import type { Redis } from 'ioredis';
import type { KeySpace } from './keys.js';
import { loadScript, runScript } from './lua.js';

/** A line outlives any outbox job (8 attempts, minutes of backoff) by far; it only guards against leaks. */
const LINE_TTL_MS = 7 * 24 * 60 * 60 * 1000;

// Join the line (once, at its end) and leave it; both answer whose turn it is (src/memory/lua/).
const TURN_SCRIPT = loadScript('thread-order-turn');
const LEAVE_SCRIPT = loadScript('thread-order-leave');

/**
 * The order of a thread's Slack writes, kept apart from the outbox lane. A lane serves many threads; a
 * write that must wait (its channel's next post slot, a 429, a retry after a lost answer) is set aside
 * in the queue instead of holding the lane, and this line keeps the rest of its thread behind it.
 * Jobs join the line when the lane first hands them out, which is the order they were queued in.
 */
export class ThreadOrder {
  constructor(
    private readonly redis: Redis,
    private readonly keys: KeySpace,
  ) {}

  /** Joins `jobId` to its thread's line (once); resolves with the id of the job whose turn it is. */
  async turn(projectId: string, jobId: string): Promise<string> {
    const head = await runScript(
      this.redis,
      TURN_SCRIPT,
      1,
      this.keys.projectOutboxLine(projectId),
      jobId,
      LINE_TTL_MS,
    );
    return typeof head === 'string' ? head : jobId;
  }

  /** Takes `jobId` out of the line; resolves with the job whose turn it is now, if any. */
  async leave(projectId: string, jobId: string): Promise<string | undefined> {
    const head = await runScript(this.redis, LEAVE_SCRIPT, 1, this.keys.projectOutboxLine(projectId), jobId);
    return typeof head === 'string' ? head : undefined;
  }
}
