import type { Redis } from 'ioredis';
import type { KeySpace } from './keys.js';

/**
 * Which Slack message (ts) shows which logical thread message, and which project revision it last showed.
 * Lets the outbox post a message once, edit it in place afterwards, and skip renders older than the last.
 */
export class ThreadMessageStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: KeySpace,
  ) {}

  async get(
    projectId: string,
    key: string,
  ): Promise<{ ts?: string; revision: number; pending: boolean; wanted: number }> {
    const [ts, rev, pending, want] = await this.redis.hmget(
      this.keys.projectMessages(projectId),
      key,
      `${key}#rev`,
      `${key}#pending`,
      `${key}#want`,
    );
    return {
      ...(ts ? { ts } : {}),
      revision: rev ? Number(rev) : -1,
      pending: pending === '1',
      wanted: want ? Number(want) : -1,
    };
  }

  /**
   * Notes the newest revision queued for messages edited in place (the live status), after its job is
   * queued: the outbox skips older renders still waiting, so a busy run edits Slack once, not per step.
   */
  async want(projectId: string, keys: readonly string[], revision: number): Promise<void> {
    if (keys.length === 0) return;
    await this.redis.hset(
      this.keys.projectMessages(projectId),
      ...keys.flatMap((k) => [`${k}#want`, String(revision)]),
    );
  }

  /**
   * Marks a post as under way. If the process dies before `record`, the next attempt sees the mark and
   * looks for the message in Slack before posting it again.
   */
  async markPending(projectId: string, key: string): Promise<void> {
    await this.redis.hset(this.keys.projectMessages(projectId), `${key}#pending`, '1');
  }

  /** Drops the mark of a post Slack refused outright (429): nothing can be in the thread to look for. */
  async clearPending(projectId: string, key: string): Promise<void> {
    await this.redis.hdel(this.keys.projectMessages(projectId), `${key}#pending`);
  }

  /** Every Slack ts or file id already recorded for this project's messages. */
  async recordedIds(projectId: string): Promise<Set<string>> {
    const all = await this.redis.hgetall(this.keys.projectMessages(projectId));
    return new Set(
      Object.entries(all)
        .filter(([field]) => !field.includes('#'))
        .map(([, id]) => id),
    );
  }

  async record(projectId: string, key: string, ts: string, revision: number): Promise<void> {
    await this.redis
      .multi()
      .hset(this.keys.projectMessages(projectId), key, ts, `${key}#rev`, String(revision))
      .hdel(this.keys.projectMessages(projectId), `${key}#pending`)
      .exec();
  }
}
