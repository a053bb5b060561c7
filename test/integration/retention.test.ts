import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { describe, expect, it, onTestFinished } from 'vitest';
import { projectIdFor } from '../../src/domain/ids.js';
import { isActive } from '../../src/domain/phases.js';
import { asTailoredPlan, defaultPlan, type TailoredPlan } from '../../src/domain/plan.js';
import { keySpace } from '../../src/memory/keys.js';
import { ProjectStore } from '../../src/memory/project-store.js';
import { outboxShard, outboxShardName } from '../../src/memory/queues.js';
import { FIXTURE_REQUIREMENTS } from '../support/fixtures.js';
import { startRedisServer } from '../support/redis-server.js';
import { waitFor } from '../support/wait.js';
import {
  CHANNEL,
  type Harness,
  metricsText,
  orchestratorJobsDueWithin,
  projectManagerResponder,
  REQUESTER,
  startHarness,
  TEAM,
} from './harness.js';

/** About 2.6 s: a real Redis TTL, short enough to watch it pass. */
const RETENTION_DAYS = '0.00003';
const PROJECTS = 200;
/** Projects run and expired before measuring the starting level. */
const WARM_UP = 30;
const STATUS_PER_PROJECT = 3;
/** Status questions asked in one thread: more than the replies a thread remembers. */
const ASKS = 80;
const GATE = 'phase1.mlops-engineer';

/** One gated stage: a project reaches its gate at once, and approving it runs the stage and finishes. */
function oneGatedStagePlan(): TailoredPlan {
  const base = asTailoredPlan(defaultPlan(FIXTURE_REQUIREMENTS), 'Deploy only.');
  const deploy = base.stages.find((s) => s.role === 'mlops-engineer');
  if (!deploy) throw new Error('the default plan has no mlops-engineer stage');
  return {
    ...base,
    phases: [{ number: 1, name: 'Deploy' }],
    stages: [{ ...deploy, id: GATE, phase: 1, reads: [], task: 'Serve the model behind an API.' }],
  };
}

async function keysUnder(redis: Redis, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    found.push(...batch);
  } while (cursor !== '0');
  return found;
}

/**
 * INFO memory's used_memory, less what client connections' buffers hold at that moment (in-flight
 * requests and replies, which depend on the traffic while reading, not on what is stored).
 */
async function storedMemory(redis: Redis): Promise<{ used: number; stored: number }> {
  const info = await redis.info('memory');
  const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1]);
  const used = field('used_memory');
  return { used, stored: used - field('mem_clients_normal') };
}

interface Snapshot {
  keys: string[];
  /** Keys of projects and their threads and deliverables, and the `projects` set. */
  projectKeys: string[];
  usedMemory: number;
  storedMemory: number;
}

async function snapshot(h: Harness): Promise<Snapshot> {
  const prefix = h.config.redis.keyPrefix;
  const keys = await keysUnder(h.redis, prefix);
  const memory = await storedMemory(h.redis);
  return {
    keys,
    projectKeys: keys.filter((k) => k.startsWith(`${prefix}:project`)),
    usedMemory: memory.used,
    storedMemory: memory.stored,
  };
}

/** Every queue has nothing waiting, running or set aside (read twice in a row from /metrics). */
async function waitForAllQueuesIdle(h: Harness): Promise<void> {
  let idleReads = 0;
  await waitFor(
    async () => {
      const text = await metricsText(h);
      const busy = text
        .split('\n')
        .filter((l) => l.startsWith('pipewright_queue_jobs{'))
        // Open gates' timers wait in the orchestrator's delayed set for hours: only jobs due soon count there.
        .filter((l) => !l.includes('queue="orchestrator",state="delayed"'))
        .some((l) => /state="(waiting|active|delayed|prioritized)"/.test(l) && Number(l.split(' ')[1]) > 0);
      idleReads = busy || (await orchestratorJobsDueWithin(h, 60_000)) > 0 ? 0 : idleReads + 1;
      return idleReads >= 2;
    },
    { timeoutMs: 60_000, intervalMs: 100, message: 'the queues never went idle' },
  );
}

/** Runs `work` for 0..count-1, at most `width` at a time. */
async function inBatches<T>(count: number, width: number, work: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let start = 0; start < count; start += width) {
    const batch = Array.from({ length: Math.min(width, count - start) }, (_, j) => work(start + j));
    results.push(...(await Promise.all(batch)));
  }
  return results;
}

/** Slack event markers (memory/dedupe.ts) and messages between agents expire on TTLs of their own. */
function ownTtlKey(prefix: string, key: string): boolean {
  return key.startsWith(`${prefix}:dedupe:event:`) || key.startsWith(`${prefix}:msg:`);
}

/**
 * Runs `count` projects through the real app: each opens, skips its questions with `go`, reaches its gate
 * and is asked for status a few times; then a third are approved (the stage runs, the summary and report
 * follow), a third rejected and a third cancelled. Returns snapshots at the gates and once all are finished.
 */
async function runProjects(h: Harness, count: number): Promise<{ atGates: Snapshot; finished: Snapshot }> {
  const store = new ProjectStore(h.redis, keySpace(h.config.redis.keyPrefix));
  const threads = await inBatches(count, 25, async () => {
    const { threadTs } = await h.mention('build a churn model and serve it behind an API');
    await h.waitForThread(threadTs, /A few questions before I plan/, 60_000);
    await h.reply(threadTs, 'go');
    await h.waitForThread(threadTs, new RegExp(`Approval needed: ${GATE}`), 60_000);
    for (let i = 0; i < STATUS_PER_PROJECT; i++) await h.reply(threadTs, 'status', `UASKER${i}`);
    return threadTs;
  });
  const statusAnswers = (ts: string) => h.posts(ts).filter((c) => String(c.args.text).startsWith('Status:'));
  // The live status message plus one answer per question.
  await waitFor(() => threads.every((ts) => statusAnswers(ts).length === STATUS_PER_PROJECT + 1), {
    timeoutMs: 60_000,
    message: 'not every status question was answered',
  });
  await waitForAllQueuesIdle(h);
  const atGates = await snapshot(h);

  await inBatches(count, 25, async (i) => {
    const threadTs = threads[i] as string;
    if (i % 3 === 0) await h.click(threadTs, GATE, 'approve', REQUESTER);
    else if (i % 3 === 1) await h.click(threadTs, GATE, 'reject', REQUESTER);
    else await h.reply(threadTs, 'cancel');
  });
  const phase = async (ts: string) => (await store.get(projectIdFor(TEAM, CHANNEL, ts)))?.phase;
  await waitFor(
    async () => {
      const phases = await Promise.all(threads.map(phase));
      return phases.every((p) => p === undefined || !isActive(p));
    },
    { timeoutMs: 60_000, message: 'not every project finished' },
  );
  await waitForAllQueuesIdle(h);
  return { atGates, finished: await snapshot(h) };
}

/** Waits until no key of any project is left (their TTLs have passed) and the `projects` set is gone. */
async function waitForProjectsExpired(h: Harness): Promise<Snapshot> {
  let left: string[] = [];
  await waitFor(
    async () => {
      left = (await snapshot(h)).projectKeys;
      return left.length === 0;
    },
    {
      timeoutMs: 30_000,
      message: () => `${left.length} project keys never expired, e.g. ${left.slice(0, 5).join(', ')}`,
    },
  );
  return snapshot(h);
}

describe('retention of finished projects', () => {
  it(`expires ${PROJECTS} finished projects: keys and memory rise with the runs and fall back after PROJECT_RETENTION_DAYS`, async () => {
    // A Redis of its own: INFO's used_memory must not count what other test files write meanwhile.
    const redisServer = await startRedisServer();
    onTestFinished(() => redisServer.stop());
    const h = await startHarness({
      REDIS_URL: redisServer.url,
      PROJECT_RETENTION_DAYS: RETENTION_DAYS,
      LOG_LEVEL: 'warn',
      // One requester opens all 200 at once here; the per-person cap is tested on its own.
      MAX_OPEN_PROJECTS_PER_USER: String(PROJECTS),
    });
    h.model.setResponder(projectManagerResponder({ plan: oneGatedStagePlan() }));
    const prefix = h.config.redis.keyPrefix;

    // The starting level of a running install: a few projects have come and gone (queues, the workspace's
    // capped agent memory and Redis' own structures exist), none is kept.
    await runProjects(h, WARM_UP);
    const start = await waitForProjectsExpired(h);

    const { atGates, finished } = await runProjects(h, PROJECTS);
    const end = await waitForProjectsExpired(h);

    const levels = (pick: (s: Snapshot) => number) => [start, atGates, finished, end].map(pick).join(' → ');
    const summary = `keys ${levels((s) => s.keys.length)}; project keys ${levels((s) => s.projectKeys.length)}; used_memory ${levels((s) => s.usedMemory)}; stored ${levels((s) => s.storedMemory)}`;

    // Rise: every project holds its record, its thread's records and more, in keys and in memory.
    expect(atGates.projectKeys.length, summary).toBeGreaterThanOrEqual(PROJECTS * 3);
    const rise = Math.max(atGates.storedMemory, finished.storedMemory) - start.storedMemory;
    expect(rise, summary).toBeGreaterThan(PROJECTS * 2_000);

    // Fall: nothing of any project is left, and the `projects` set is gone with its last member.
    expect(end.projectKeys, summary).toEqual([]);
    expect(await h.redis.exists(keySpace(prefix).projects()), summary).toBe(0);
    // The only keys added since the start expire on TTLs of their own (Slack event markers: 24 h;
    // messages between agents: MEMORY_MESSAGE_TTL_DAYS); everything else is back where it started.
    const added = end.keys.filter((k) => !start.keys.includes(k));
    expect(
      added.filter((k) => !ownTtlKey(prefix, k)),
      summary,
    ).toEqual([]);
    const ttls = await Promise.all(added.map((k) => h.redis.pttl(k)));
    expect(
      ttls.filter((ttl) => ttl < 0),
      summary,
    ).toEqual([]);
    // Memory falls back to the start but for those keys: what is left is within a quarter of the rise.
    const ownTtlBytes = (await Promise.all(added.map((k) => h.redis.memory('USAGE', k)))).reduce(
      (sum: number, bytes) => sum + Number(bytes ?? 0),
      0,
    );
    const left = end.storedMemory - start.storedMemory - ownTtlBytes;
    expect(left, `${summary}; ${ownTtlBytes} bytes in keys with their own TTL`).toBeLessThan(rise / 4);
  }, 300_000);

  it("keeps a thread's records bounded however often people ask for status, and still posts no answer twice", async () => {
    const h = await startHarness();
    const keys = keySpace(h.config.redis.keyPrefix);
    const { threadTs } = await h.mention('build a churn model');
    await h.waitForThread(threadTs, /A few questions before I plan/);
    const projectId = projectIdFor(TEAM, CHANNEL, threadTs);
    const answers = () => h.posts(threadTs).filter((c) => String(c.args.text).startsWith('Status:'));

    for (let i = 0; i < ASKS; i++) await h.reply(threadTs, 'status', `UASKER${i}`);
    await waitFor(() => answers().length === ASKS, {
      timeoutMs: 30_000,
      message: () => `${answers().length} of ${ASKS} status answers arrived`,
    });
    await waitForAllQueuesIdle(h);
    const records =
      (await h.redis.hlen(keys.projectMessages(projectId))) +
      (await h.redis.zcard(keys.projectReplies(projectId)));
    expect(records).toBeLessThan(ASKS);

    // The newest answer's job runs again (a replay after a crash): the thread does not get it twice.
    const [newest] = await h.redis.zrange(keys.projectReplies(projectId), -1, -1);
    expect(newest).toMatch(/^status-reply\./);
    const project = await new ProjectStore(h.redis, keys).get(projectId);
    const outbox = new Queue(outboxShardName(outboxShard(projectId, h.config.outboxShards)), {
      connection: h.redis,
      prefix: keys.bull,
    });
    onTestFinished(() => outbox.close());
    const replay = await outbox.add('thread_message', {
      projectId,
      channelId: CHANNEL,
      threadTs,
      revision: project?.revision ?? 0,
      effect: {
        kind: 'thread_message',
        key: newest,
        mode: 'post',
        view: { type: 'notice', tone: 'info', text: 'Status: replayed' },
      },
    });
    await waitFor(async () => ['completed', 'unknown'].includes(await replay.getState()), {
      message: 'the replay never ran',
    });
    expect(h.threadText(threadTs)).not.toContain('replayed');
    expect(answers()).toHaveLength(ASKS);
  }, 60_000);

  it('gives every key of a finished project the same expiry, and takes it away when the project is resumed', async () => {
    const h = await startHarness();
    h.model.setResponder(projectManagerResponder({ plan: oneGatedStagePlan() }));
    const keys = keySpace(h.config.redis.keyPrefix);
    const store = new ProjectStore(h.redis, keys);
    const toGate = async () => {
      const { threadTs } = await h.mention('build a churn model and serve it behind an API');
      await h.waitForThread(threadTs, /A few questions before I plan/);
      await h.reply(threadTs, 'go');
      await h.waitForThread(threadTs, new RegExp(`Approval needed: ${GATE}`));
      await h.reply(threadTs, 'status');
      return { threadTs, projectId: projectIdFor(TEAM, CHANNEL, threadTs) };
    };
    const phaseOf = async (projectId: string) => (await store.get(projectId))?.phase;
    // An install from before retention kept a plain set of project ids: its members carry over as active.
    const older = projectIdFor(TEAM, CHANNEL, '1600000000.000100');
    await h.redis.sadd(keys.projects(), older);

    // Approved: the stage runs, the run completes; its record, thread records, deliverable and agent
    // memory's index of it all expire together, PROJECT_RETENTION_DAYS (90) from now.
    const done = await toGate();
    await h.click(done.threadTs, GATE, 'approve', REQUESTER);
    await waitFor(async () => (await phaseOf(done.projectId)) === 'completed', {
      message: 'never completed',
    });
    await waitForAllQueuesIdle(h);
    const projectKeys = [
      keys.project(done.projectId),
      keys.projectMessages(done.projectId),
      keys.projectReplies(done.projectId),
      keys.deliverable(done.projectId, GATE, 1),
      keys.agentMemoryProject(TEAM, 'public', done.projectId),
    ];
    const ttls = await Promise.all(projectKeys.map((k) => h.redis.pttl(k)));
    const ninetyDays = 90 * 24 * 3600 * 1000;
    for (const [i, ttl] of ttls.entries()) {
      expect(ttl, projectKeys[i]).toBeGreaterThan(ninetyDays - 60_000);
      expect(ttl, projectKeys[i]).toBeLessThanOrEqual(ninetyDays);
    }
    expect(Number(await h.redis.zscore(keys.projects(), done.projectId))).toBeLessThan(
      Number.POSITIVE_INFINITY,
    );

    // Cancelled, then resumed: while cancelled it expires; once running again it is kept.
    const resumed = await toGate();
    await h.reply(resumed.threadTs, 'cancel');
    await waitFor(async () => (await phaseOf(resumed.projectId)) === 'cancelled', {
      message: 'never cancelled',
    });
    expect(await h.redis.pttl(keys.project(resumed.projectId))).toBeGreaterThan(0);
    await waitForAllQueuesIdle(h);
    expect(await h.redis.pttl(keys.projectMessages(resumed.projectId))).toBeGreaterThan(0);
    await h.reply(resumed.threadTs, 'resume');
    await waitFor(async () => (await phaseOf(resumed.projectId)) === 'running', { message: 'never resumed' });
    for (const key of [
      keys.project(resumed.projectId),
      keys.projectMessages(resumed.projectId),
      keys.projectReplies(resumed.projectId),
    ])
      expect(await h.redis.pttl(key), key).toBe(-1);
    expect(await h.redis.zscore(keys.projects(), resumed.projectId)).toBe('inf');
    expect(await h.redis.zscore(keys.projects(), older)).toBe('inf');
  }, 60_000);
});
