import type { Redis } from 'ioredis';
import type { KeySpace } from './keys.js';
import { runScript } from './lua.js';

/** A line outlives any outbox job (8 attempts, minutes of backoff) by far; it only guards against leaks. */
const LINE_TTL_MS = 7 * 24 * 60 * 60 * 1000;

// KEYS: line. ARGV: job id, line TTL (ms). Joins the line once, at its end; returns whose turn it is.
const TURN_SCRIPT = `
if not redis.call('LPOS', KEYS[1], ARGV[1]) then redis.call('RPUSH', KEYS[1], ARGV[1]) end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return redis.call('LINDEX', KEYS[1], 0)`;

// KEYS: line. ARGV: job id. Leaves the line; returns whose turn it is now (false: nobody's).
const LEAVE_SCRIPT = `
redis.call('LREM', KEYS[1], 0, ARGV[1])
return redis.call('LINDEX', KEYS[1], 0)`;

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
