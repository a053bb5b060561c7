import type { Redis } from 'ioredis';
import type { KeySpace } from './keys.js';
import { runScript } from './lua.js';
import { DEFAULT_PROJECT_RETENTION, type ProjectRetention } from './project-store.js';

/** Replies to commands remembered per thread: far more than one event's replies, which a replay repeats. */
export const REPLIES_KEPT = 50;

/**
 * Shared tail of every write: a thread record created after its project was last saved (the save script
 * sets the TTLs) takes the project's TTL, so a finished project's keys still expire together. A write for
 * a project already gone (a message that went out after its project expired) lives one retention period.
 * KEYS[1] the record just written, KEYS[2] the project; ARGV[1] the retention period (ms).
 */
const ADOPT_PROJECT_TTL = `
if redis.call('pttl', KEYS[1]) == -1 then
  local ttl = redis.call('pttl', KEYS[2])
  if ttl == -2 then ttl = tonumber(ARGV[1]) end
  if ttl > 0 then redis.call('pexpire', KEYS[1], ttl) end
end`;

// KEYS: messages, project. ARGV: retention, then field, value, field, value, …
const HSET_SCRIPT = `
redis.call('hset', KEYS[1], unpack(ARGV, 2))
${ADOPT_PROJECT_TTL}
return 1`;

// KEYS: messages, project. ARGV: retention, key, ts, revision.
const RECORD_SCRIPT = `
redis.call('hset', KEYS[1], ARGV[2], ARGV[3], ARGV[2] .. '#rev', ARGV[4])
redis.call('hdel', KEYS[1], ARGV[2] .. '#pending')
${ADOPT_PROJECT_TTL}
return 1`;

// KEYS: replies, project, messages. ARGV: retention, key, kept. A reply's ts is not needed: it is never edited.
const RECORD_REPLY_SCRIPT = `
local t = redis.call('time')
redis.call('zadd', KEYS[1], tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000), ARGV[2])
redis.call('zremrangebyrank', KEYS[1], 0, -(tonumber(ARGV[3]) + 1))
redis.call('hdel', KEYS[3], ARGV[2] .. '#pending')
${ADOPT_PROJECT_TTL}
return 1`;

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
