/**
 * 1. Stage hand-off overhead. With a model that answers at once, the time from one model call of a run
 * being answered to the next model call of that run arriving is pure Pipewright overhead:
 *   agent job done → `*_done` event job → orchestrator applies it under the project lock → next agent job
 *   added → agent worker picks it up → model request.
 * Compared with a bare BullMQ round trip (Queue.add → Worker runs an empty processor → its `completed`
 * event) on the same Redis in the same process, measured before and after the projects.
 * Projects run one at a time, so each hand-off is measured on an otherwise idle system. Gated hand-offs
 * (the next stage waits for a human click) are excluded. The headline is stage → next stage; every
 * ungated model → model hand-off of a run (clarify → plan, plan → first stage, last stage → summary too)
 * is reported beside it.
 */
import { randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { defaultPlan } from '../src/domain/plan.js';
import {
  benchRequirements,
  benchResponder,
  CHANNEL,
  type ModelCallInfo,
  postMention,
  progress,
  rounded,
  type Stats,
  sleep,
  startBenchSystem,
  stats,
  TEAM,
  until,
  watchSlack,
} from './lib.js';

export interface HandoffOptions {
  projects: number;
  /** Bare round trips measured before the projects and again after (each). */
  bareRoundTrips: number;
}

export interface HandoffResult {
  projects: number;
  /** Stage → next stage hand-offs (the headline figure). */
  handoffsMeasured: number;
  excludedGated: number;
  handoffMs: Stats;
  /** Every ungated model → model hand-off of a run: also clarify → plan, plan → first stage, last stage → summary. */
  allHandoffMs: Stats;
  bareRoundTripMs: Stats;
  ratioP50: number;
  /** p50 per kind of hand-off, e.g. "phase1.data-engineer→phase1.data-scientist". */
  byKindP50Ms: Record<string, number>;
  /** Where a hand-off's time goes, from BullMQ's event streams (ms resolution): p50 of each segment. */
  segmentsP50Ms: Record<string, number>;
  /** How many `*_done` events found the project locked and were put back as delayed jobs before applying. */
  doneEventsDelayedByLock: number;
  doneEventsSeen: number;
  /** Every orchestrator event delayed because its project was locked, by event type (all runs, warm-up included). */
  lockDelaysByEventType: Record<string, number>;
  projectWallMs: Stats;
  warnings: string[];
}

const GATED = new Set(
  defaultPlan(benchRequirements('x'))
    .stages.filter((s) => s.needsApproval)
    .map((s) => s.id),
);

export async function runHandoff(redisUrl: string, opts: HandoffOptions): Promise<HandoffResult> {
  const bench = await startBenchSystem(redisUrl);
  const calls: ModelCallInfo[] = [];
  bench.model.setResponder(benchResponder((info) => calls.push(info)));
  bench.model.setLatencyMs(0);
  const slack = watchSlack(bench, { approve: true, keep: false });

  progress(`hand-off: bare BullMQ round trips (${opts.bareRoundTrips} before the projects)`);
  const bare = await bareRoundTrips(redisUrl, opts.bareRoundTrips);

  const runs: Array<{ run: string; threadTs: string; wallMs: number }> = [];
  // Run 0 warms up (JIT, connections, Bolt's auth.test) and is not counted.
  for (let i = 0; i <= opts.projects; i++) {
    const run = `run-${i}`;
    const threadTs = `${1_800_000_000 + i}.000100`;
    const t0 = Date.now();
    const status = await postMention(
      bench.appUrl,
      `build a churn model and serve it behind an API (${run})`,
      threadTs,
    );
    if (status !== 200) throw new Error(`mention answered ${status}`);
    const done = await until(() => slack.threads.get(threadTs)?.reportDoneAt !== undefined, 60_000, 5);
    if (!done) throw new Error(`hand-off: ${run} did not finish within 60 s`);
    if (i > 0) runs.push({ run, threadTs, wallMs: Date.now() - t0 });
    if (i % 5 === 0) progress(`hand-off: project ${i}/${opts.projects} done`);
  }

  progress(`hand-off: bare BullMQ round trips (${opts.bareRoundTrips} after the projects)`);
  bare.push(...(await bareRoundTrips(redisUrl, opts.bareRoundTrips)));

  const streams = await readEventStreams(bench.redis, bench.keyPrefix);
  const handoffs: number[] = [];
  const all: number[] = [];
  const byKind = new Map<string, number[]>();
  const segments = new Map<string, number[]>();
  let excludedGated = 0;
  let delayed = 0;
  let doneSeen = 0;
  for (const { run, threadTs } of runs) {
    const pid = `${TEAM}-${CHANNEL}-${threadTs}`;
    const seq = calls.filter((c) => c.run === run).sort((a, b) => a.t - b.t);
    for (let k = 1; k < seq.length; k++) {
      const prev = seq[k - 1] as ModelCallInfo;
      const next = seq[k] as ModelCallInfo;
      if (next.kind === 'stage' && next.stageId && GATED.has(next.stageId)) {
        excludedGated += 1;
        continue;
      }
      const gap = next.t - prev.t;
      all.push(gap);
      if (prev.kind === 'stage' && next.kind === 'stage') handoffs.push(gap);
      const kind = `${label(prev)}→${label(next)}`;
      byKind.set(kind, [...(byKind.get(kind) ?? []), gap]);
      const seg = breakdown(streams, pid, prev, next);
      if (seg) {
        doneSeen += 1;
        if (seg.delayedByLock > 0) delayed += 1;
        for (const [name, v] of Object.entries(seg.segments)) {
          segments.set(name, [...(segments.get(name) ?? []), v]);
        }
      }
    }
  }
  await bench.close();

  const lockDelaysByEventType: Record<string, number> = {};
  for (const [jobId, events] of streams.orchestrator) {
    const n = events.filter((e) => e.event === 'delayed').length;
    const head = jobId.split('.')[0] ?? '?';
    const type = head.startsWith('Ev') ? 'message' : head;
    if (n > 0) lockDelaysByEventType[type] = (lockDelaysByEventType[type] ?? 0) + n;
  }

  const handoffMs = stats(handoffs);
  const bareRoundTripMs = stats(bare);
  return {
    projects: opts.projects,
    handoffsMeasured: handoffs.length,
    excludedGated,
    handoffMs: rounded(handoffMs),
    allHandoffMs: rounded(stats(all)),
    bareRoundTripMs: rounded(bareRoundTripMs),
    ratioP50: Number((handoffMs.p50 / bareRoundTripMs.p50).toFixed(2)),
    byKindP50Ms: Object.fromEntries(
      [...byKind].map(([k, v]) => [k, Number(stats(v).p50.toFixed(1))] as [string, number]),
    ),
    segmentsP50Ms: Object.fromEntries(
      [...segments].map(([k, v]) => [k, Number(stats(v).p50.toFixed(1))] as [string, number]),
    ),
    doneEventsDelayedByLock: delayed,
    doneEventsSeen: doneSeen,
    lockDelaysByEventType,
    projectWallMs: rounded(stats(runs.map((r) => r.wallMs))),
    warnings: bench.warnings.slice(0, 20),
  };
}

function label(c: ModelCallInfo): string {
  return c.kind === 'stage' ? (c.stageId ?? 'stage') : c.kind;
}

/**
 * Sequential bare round trips: add a small job, an empty processor runs it, the worker's `completed`
 * event fires. 5 ms apart, so the worker is idle and waiting each time, as the system's workers are
 * between hand-offs. The first 20 warm up and are not counted.
 */
async function bareRoundTrips(redisUrl: string, count: number): Promise<number[]> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const prefix = `bare${randomUUID().slice(0, 8)}`;
  const queue = new Queue('bare', { connection, prefix });
  const waiters = new Map<string, () => void>();
  const worker = new Worker('bare', async () => undefined, { connection, prefix, concurrency: 1 });
  worker.on('completed', (job) => {
    if (job.id) waiters.get(job.id)?.();
  });
  await worker.waitUntilReady();
  const out: number[] = [];
  for (let i = 0; i < count + 20; i++) {
    const id = `rt${i}`;
    const done = new Promise<void>((resolve) => waiters.set(id, resolve));
    const t0 = performance.now();
    await queue.add('rt', { i }, { jobId: id, removeOnComplete: { age: 3600, count: 5000 } });
    await done;
    if (i >= 20) out.push(performance.now() - t0);
    await sleep(5);
  }
  await worker.close();
  await queue.obliterate({ force: true }).catch(() => undefined);
  await queue.close();
  connection.disconnect();
  return out;
}

type StreamEvents = Map<string, Array<{ event: string; t: number }>>;

/** BullMQ's event streams of the two queues a hand-off crosses, by job id, with Redis-clock times (ms). */
async function readEventStreams(
  redis: Redis,
  prefix: string,
): Promise<{ orchestrator: StreamEvents; agents: StreamEvents }> {
  const read = async (queue: string): Promise<StreamEvents> => {
    const byJob: StreamEvents = new Map();
    const entries = (await redis.xrange(`${prefix}:bull:${queue}:events`, '-', '+')) as Array<
      [string, string[]]
    >;
    for (const [id, fields] of entries) {
      const f: Record<string, string> = {};
      for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i] as string] = fields[i + 1] as string;
      if (!f.jobId || !f.event) continue;
      const list = byJob.get(f.jobId) ?? [];
      list.push({ event: f.event, t: Number(id.split('-')[0]) });
      byJob.set(f.jobId, list);
    }
    return byJob;
  };
  return { orchestrator: await read('orchestrator'), agents: await read('agents') };
}

function findJob(events: StreamEvents, prefix: string) {
  for (const [id, list] of events) if (id.startsWith(prefix)) return list;
  return undefined;
}

/**
 * Splits one hand-off into: the agent reporting (answer → `*_done` event queued), the event waiting for
 * the orchestrator (including lock-busy delays), the orchestrator applying it until the next agent job is
 * queued, that job waiting for an agent, and the agent preparing the request.
 */
function breakdown(
  streams: { orchestrator: StreamEvents; agents: StreamEvents },
  pid: string,
  prev: ModelCallInfo,
  next: ModelCallInfo,
): { segments: Record<string, number>; delayedByLock: number } | undefined {
  const donePrefix =
    prev.kind === 'clarify'
      ? `clarify_done.${pid}.`
      : prev.kind === 'plan'
        ? `plan_done.${pid}.`
        : prev.kind === 'stage'
          ? `stage_done.${pid}.${prev.stageId}.`
          : undefined;
  const nextPrefix =
    next.kind === 'plan'
      ? `${pid}.plan`
      : next.kind === 'stage'
        ? `${pid}.stage.${next.stageId}.`
        : next.kind === 'summary'
          ? `${pid}.summary.`
          : undefined;
  if (!donePrefix || !nextPrefix) return undefined;
  const done = findJob(streams.orchestrator, donePrefix);
  const job = findJob(streams.agents, nextPrefix);
  const doneQueued = done?.find((e) => e.event === 'waiting')?.t;
  const doneActive = done?.filter((e) => e.event === 'active').at(-1)?.t;
  const jobQueued = job?.find((e) => e.event === 'waiting')?.t;
  const jobActive = job?.find((e) => e.event === 'active')?.t;
  if (!done || doneQueued === undefined || doneActive === undefined) return undefined;
  if (jobQueued === undefined || jobActive === undefined) return undefined;
  return {
    delayedByLock: done.filter((e) => e.event === 'delayed').length,
    segments: {
      'agent: answer → done event queued': doneQueued - prev.t,
      'done event waiting for the orchestrator (incl. lock-busy delays)': doneActive - doneQueued,
      'orchestrator: apply → next agent job queued': jobQueued - doneActive,
      'agent job waiting for a worker': jobActive - jobQueued,
      'agent: job active → model request': next.t - jobActive,
    },
  };
}
