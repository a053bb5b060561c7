import type { Redis } from 'ioredis';
import { describe, expect, it, onTestFinished } from 'vitest';
import { keySpace } from '../../src/memory/keys.js';
import { ProjectStore } from '../../src/memory/project-store.js';
import { projectIdFor } from '../../src/orchestrator/ids.js';
import { asTailoredPlan, defaultPlan, type TailoredPlan } from '../../src/orchestrator/plan.js';
import { ACTIVE_PHASES } from '../../src/orchestrator/project.js';
import { FIXTURE_REQUIREMENTS } from '../support/fixtures.js';
import { startRedisServer } from '../support/redis-server.js';
import { waitFor } from '../support/wait.js';
import {
  CHANNEL,
  type Harness,
  metricsText,
  projectManagerResponder,
  REQUESTER,
  startHarness,
  TEAM,
} from './harness.js';

/** About 2.6 s: a real Redis TTL, short enough to watch it pass. */
const RETENTION_DAYS = '0.00003';
const PROJECTS = 200;
const STATUS_PER_PROJECT = 3;
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

async function usedMemory(redis: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1]);
}

interface Snapshot {
  keys: string[];
  /** Keys of projects and their threads and deliverables, and the `projects` set. */
  projectKeys: string[];
  usedMemory: number;
}

async function snapshot(h: Harness): Promise<Snapshot> {
  const prefix = h.config.redis.keyPrefix;
  const keys = await keysUnder(h.redis, prefix);
  return {
    keys,
    projectKeys: keys.filter((k) => k.startsWith(`${prefix}:project`)),
    usedMemory: await usedMemory(h.redis),
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
        .some((l) => /state="(waiting|active|delayed|prioritized)"/.test(l) && Number(l.split(' ')[1]) > 0);
      idleReads = busy ? 0 : idleReads + 1;
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

describe('retention of finished projects', () => {
  it(`expires ${PROJECTS} finished projects: keys and memory rise with the runs and fall back after PROJECT_RETENTION_DAYS`, async () => {
    // A Redis of its own: INFO's used_memory must not count what other test files write meanwhile.
    const redisServer = await startRedisServer();
    onTestFinished(() => redisServer.stop());
    const h = await startHarness({
      REDIS_URL: redisServer.url,
      PROJECT_RETENTION_DAYS: RETENTION_DAYS,
      LOG_LEVEL: 'warn',
    });
    h.model.setResponder(projectManagerResponder({ plan: oneGatedStagePlan() }));
    const store = new ProjectStore(h.redis, keySpace(h.config.redis.keyPrefix));
    await waitForAllQueuesIdle(h);
    const start = await snapshot(h);

    // Every project opens, skips its questions, reaches its gate, and is asked for status a few times.
    const threads = await inBatches(PROJECTS, 25, async () => {
      const { threadTs } = await h.mention('build a churn model and serve it behind an API');
      await h.waitForThread(threadTs, /A few questions before I plan/, 60_000);
      await h.reply(threadTs, 'go');
      await h.waitForThread(threadTs, new RegExp(`Approval needed: ${GATE}`), 60_000);
      for (let i = 0; i < STATUS_PER_PROJECT; i++) await h.reply(threadTs, 'status', `UASKER${i}`);
      return threadTs;
    });
    await waitFor(
      () =>
        threads.every(
          (ts) =>
            h.posts(ts).filter((c) => String(c.args.text).startsWith('Status:')).length > STATUS_PER_PROJECT,
        ),
      { timeoutMs: 60_000, message: 'not every status question was answered' },
    );
    await waitForAllQueuesIdle(h);
    const atGates = await snapshot(h);

    // A third approved (the stage runs, the summary and report follow), a third rejected, a third cancelled.
    await inBatches(PROJECTS, 25, async (i) => {
      const threadTs = threads[i] as string;
      if (i % 3 === 0) await h.click(threadTs, GATE, 'approve', REQUESTER);
      else if (i % 3 === 1) await h.click(threadTs, GATE, 'reject', REQUESTER);
      else await h.reply(threadTs, 'cancel');
    });
    const phases = async () =>
      Promise.all(threads.map(async (ts) => (await store.get(projectIdFor(TEAM, CHANNEL, ts)))?.phase));
    await waitFor(async () => (await phases()).every((p) => p === undefined || !ACTIVE_PHASES.includes(p)), {
      timeoutMs: 60_000,
      message: 'not every project finished',
    });
    await waitForAllQueuesIdle(h);
    const finished = await snapshot(h);

    // Retention passes: every project's keys expire, and the `projects` set empties.
    let left: string[] = [];
    await waitFor(
      async () => {
        left = (await snapshot(h)).projectKeys;
        return left.length === 0;
      },
      {
        timeoutMs: 30_000,
        message: () => `${left.length} project keys left, e.g. ${left.slice(0, 5).join(', ')}`,
      },
    );
    const end = await snapshot(h);

    const peakKeys = Math.max(atGates.keys.length, finished.keys.length);
    const peakMemory = Math.max(atGates.usedMemory, finished.usedMemory);
    const report = {
      keys: {
        start: start.keys.length,
        atGates: atGates.keys.length,
        finished: finished.keys.length,
        end: end.keys.length,
      },
      usedMemory: {
        start: start.usedMemory,
        atGates: atGates.usedMemory,
        finished: finished.usedMemory,
        end: end.usedMemory,
      },
    };
    process.stderr.write(`${JSON.stringify(report)}\n`);
    process.stderr.write(`${end.keys
      .filter((k) => !start.keys.includes(k))
      .slice(0, 80)
      .join('\n')}
`);

    expect(atGates.projectKeys.length).toBeGreaterThanOrEqual(PROJECTS * 2);
    expect(end.projectKeys).toEqual([]);
    expect(peakKeys).toBeGreaterThan(start.keys.length + PROJECTS * 2);
    expect(peakMemory).toBeGreaterThan(start.usedMemory);
  }, 300_000);
});
