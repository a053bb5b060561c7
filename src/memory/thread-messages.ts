import type { Redis } from 'ioredis';
import type { KeySpace } from './keys.js';
import { loadScript, runScript } from './lua.js';
import { DEFAULT_PROJECT_RETENTION, type ProjectRetention } from './project-store.js';

/** Replies to commands remembered per thread: far more than one event's replies, which a replay repeats. */
export const REPLIES_KEPT = 50;

/**
 * Every write ends with the shared tail lua/includes/adopt-project-ttl.lua: a thread record created after
 * its project was last saved takes the project's TTL, so a finished project's keys still expire together.
 */
const HSET_SCRIPT = loadScript('thread-messages-hset');
const RECORD_SCRIPT = loadScript('thread-messages-record');
// A reply's ts is not kept: it is never edited.
const RECORD_REPLY_SCRIPT = loadScript('thread-messages-record-reply');

/**
 * Which Slack message (ts) shows which logical thread message, and which project revision it last showed.
 * Lets the outbox post a message once, edit it in place afterwards, and skip renders older than the last.
 * Replies to commands, posted once and never edited, are remembered apart and only the newest
 * `REPLIES_KEPT` of them, so a thread's records do not grow with every `status`.
 */
export class ThreadMessageStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: KeySpace,
    private readonly retention: ProjectRetention = DEFAULT_PROJECT_RETENTION,
  ) {}

  async get(
    projectId: string,
    key: string,
  ): Promise<{
    ts?: string;
    revision: number;
    pending: boolean;
    wanted: number;
    /** A reply recorded by `recordReply`: it is in the thread (its ts is not kept). */
    replied: boolean;
  }> {
    const [fields, replied] = await Promise.all([
      this.redis.hmget(
        this.keys.projectMessages(projectId),
        key,
        `${key}#rev`,
        `${key}#pending`,
        `${key}#want`,
      ),
      this.redis.zscore(this.keys.projectReplies(projectId), key),
    ]);
    const [ts, rev, pending, want] = fields;
    return {
      ...(ts ? { ts } : {}),
      revision: rev ? Number(rev) : -1,
      pending: pending === '1',
      wanted: want ? Number(want) : -1,
      replied: replied !== null,
    };
  }

  /**
   * Notes the newest revision queued for messages edited in place (the live status), after its job is
   * queued: the outbox skips older renders still waiting, so a busy run edits Slack once, not per step.
   */
  async want(projectId: string, keys: readonly string[], revision: number): Promise<void> {
    if (keys.length === 0) return;
    await this.hset(
      projectId,
      keys.flatMap((k) => [`${k}#want`, String(revision)]),
    );
  }

  /**
   * Marks a post as under way. If the process dies before `record`, the next attempt sees the mark and
   * looks for the message in Slack before posting it again.
   */
  async markPending(projectId: string, key: string): Promise<void> {
    await this.hset(projectId, [`${key}#pending`, '1']);
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
    await runScript(
      this.redis,
      RECORD_SCRIPT,
      2,
      this.keys.projectMessages(projectId),
      this.keys.project(projectId),
      this.retention.finishedTtlMs,
      key,
      ts,
      revision,
    );
  }

  /** Records a reply to a command as posted; only the newest `REPLIES_KEPT` replies are remembered. */
  async recordReply(projectId: string, key: string): Promise<void> {
    await runScript(
      this.redis,
      RECORD_REPLY_SCRIPT,
      3,
      this.keys.projectReplies(projectId),
      this.keys.project(projectId),
      this.keys.projectMessages(projectId),
      this.retention.finishedTtlMs,
      key,
      REPLIES_KEPT,
    );
  }

  private async hset(projectId: string, fieldsAndValues: string[]): Promise<void> {
    await runScript(
      this.redis,
      HSET_SCRIPT,
      2,
      this.keys.projectMessages(projectId),
      this.keys.project(projectId),
      this.retention.finishedTtlMs,
      ...fieldsAndValues,
    );
  }
}
