/**
 * 2. Many concurrent runs of the default 7-stage plan, with a model that answers every request in 200 ms.
 * Wall time from the first mention to the last executive summary posted in Slack, against the critical
 * path of one run (clarify + plan + 7 sequential stages + summary = 10 model calls). Peak RSS of this one
 * process: Bolt app, outbox, orchestrator and agent workers, the two loopback stand-ins and the driver.
 * The default plan has two gated stages: the driver clicks Approve (signed block_actions, as the
 * requester) as soon as each gate message is posted.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { defaultPlan } from '../src/domain/plan.js';
import {
  benchRequirements,
  benchResponder,
  type ModelCallInfo,
  observePushes,
  pool,
  postMention,
  progress,
  redisCpuSeconds,
  rounded,
  type Stats,
  sampleMemory,
  startBenchSystem,
  stats,
  until,
  watchSlack,
} from './lib.js';

export interface ThroughputOptions {
  runs: number;
  modelLatencyMs: number;
  workerConcurrency: number;
  /** Concurrency of the driver posting the mentions. */
  mentionConcurrency: number;
  /** Give up waiting for summaries after this long from the first mention (partial results are reported). */
  timeoutMs: number;
}

interface QueueCounts {
  waiting: number;
  active: number;
  delayed: number;
}

export interface ThroughputResult {
  runs: number;
  completedRuns: number;
  finished: boolean;
  modelLatencyMs: number;
  workerConcurrency: number;
  criticalPathMs: number;
  /** First mention sent → last executive summary posted in Slack. */
  wallToLastSummaryPostedMs: number;
  ratioToCriticalPath: number;
  /** Milestones, ms after the first mention was sent. */
  milestonesMs: {
    allMentionsAcked: number;
    lastSummaryModelAnswer: number;
    lastSummaryEventApplied: number;
    lastSummaryPosted: number;
    lastSlackCall: number;
  };
  perRunMs: {
    mentionToSummaryApplied: Stats;
    mentionToSummaryPosted: Stats;
    /** Gate became due (the stage it reads finished) → gate message posted in Slack. */
    gateDueToPosted: Stats;
    /** Approve click answered → the gated stage's model request arrived. */
    clickToStageRequest: Stats;
  };
  modelCalls: number;
  peakModelCallsInFlight: number;
  /** Lower bound from worker slots alone: runs × 10 calls × latency / WORKER_CONCURRENCY. */
  workerSlotBoundMs: number;
  slack: {
    calls: number;
    failedCalls: number;
    byMethod: Record<string, number>;
    /** Slack calls per second between the first and last call. */
    callsPerSecond: number;
  };
  /** Peak depths by queue; outbox shards summed under `slack-outbox`. */
  peakQueue: Record<string, QueueCounts>;
  /** Queues found (by their BullMQ meta key), outbox shards included. */
  queuesSeen: string[];
  /** Queue depths every 2 s: [seconds after first mention, orchestrator waiting, agents waiting, outbox waiting]. */
  queueTimeline: Array<[number, number, number, number]>;
  memory: { startRssBytes: number; peakRssBytes: number; peakHeapUsedBytes: number; samples: number };
  cpu: {
    /** Main-thread event-loop utilisation over the run, 0–1: near 1 means the one JS thread was saturated. */
    eventLoopUtilization: number;
    eventLoopDelayP99Ms: number;
    /** Process CPU time / wall time (can exceed 1: GC and libuv threads). */
    processCpuCores: number;
    redisCpuCores: number;
  };
  mentionStatuses: Record<string, number>;
  clickStatuses: Record<string, number>;
  warnings: string[];
}

const GATED = defaultPlan(benchRequirements('x')).stages.filter((s) => s.needsApproval);

export async function runThroughput(redisUrl: string, opts: ThroughputOptions): Promise<ThroughputResult> {
  const bench = await startBenchSystem(redisUrl, {
    env: { WORKER_CONCURRENCY: String(opts.workerConcurrency) },
  });
  const calls: ModelCallInfo[] = [];
  bench.model.setResponder(benchResponder((info) => calls.push(info)));
  bench.model.setLatencyMs(opts.modelLatencyMs);
  observePushes(bench.model.requests, () => undefined, false); // the responder keeps what the bench needs
  const slack = watchSlack(bench, { approve: true, keep: false });

  // Queue depths, read with the benchmark's own connection. Queues are found by their BullMQ `meta` key
  // (written on a queue's first add), so outbox shards (`slack-outbox-<n>`) are counted whatever their number.
  const qconn = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const bullPrefix = `${bench.keyPrefix}:bull`;
  const queues = new Map<string, Queue>();
  const discover = async () => {
    let cursor = '0';
    do {
      const [next, keys] = await qconn.scan(cursor, 'MATCH', `${bullPrefix}:*:meta`, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        const name = key.slice(bullPrefix.length + 1, -':meta'.length);
        if (!queues.has(name)) queues.set(name, new Queue(name, { connection: qconn, prefix: bullPrefix }));
      }
    } while (cursor !== '0');
  };
  /** Outbox shards are summed under `slack-outbox`. */
  const group = (name: string) => (name.startsWith('slack-outbox') ? 'slack-outbox' : name);
  const peakQueue: Record<string, QueueCounts> = {};
  const timeline: Array<[number, number, number, number]> = [];
  let sampling = true;
  let t0 = 0;
  const sampleQueues = async () => {
    let tick = 0;
    const discoverAt = [2_000, 10_000, 30_000]; // ms after the first mention
    while (sampling) {
      if (t0 > 0 && discoverAt.length > 0 && Date.now() - t0 >= (discoverAt[0] as number)) {
        discoverAt.shift();
        await discover();
      }
      const totals = new Map<string, QueueCounts>();
      for (const [name, queue] of queues) {
        const c = await queue.getJobCounts('waiting', 'active', 'delayed');
        const t = totals.get(group(name)) ?? { waiting: 0, active: 0, delayed: 0 };
        totals.set(group(name), {
          waiting: t.waiting + (c.waiting ?? 0),
          active: t.active + (c.active ?? 0),
          delayed: t.delayed + (c.delayed ?? 0),
        });
      }
      for (const [name, c] of totals) {
        const peak = peakQueue[name] ?? { waiting: 0, active: 0, delayed: 0 };
        peakQueue[name] = {
          waiting: Math.max(peak.waiting, c.waiting),
          active: Math.max(peak.active, c.active),
          delayed: Math.max(peak.delayed, c.delayed),
        };
      }
      if (tick % 8 === 0 && t0 > 0) {
        timeline.push([
          Math.round((Date.now() - t0) / 1000),
          totals.get('orchestrator')?.waiting ?? 0,
          totals.get('agents')?.waiting ?? 0,
          totals.get('slack-outbox')?.waiting ?? 0,
        ]);
      }
      tick += 1;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };
  const queueSampler = sampleQueues();

  const threads = Array.from({ length: opts.runs }, (_, i) => ({
    run: `run-${i + 1}`,
    threadTs: `${1_800_100_000 + i}.000100`,
    sentAt: 0,
    status: 0,
  }));

  const memory = sampleMemory(100);
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const elu0 = performance.eventLoopUtilization();
  const cpu0 = process.cpuUsage();
  const redisCpu0 = await redisCpuSeconds(bench.redis);
  t0 = Date.now();
  progress(`throughput ${opts.runs}: posting ${opts.runs} mentions (${opts.mentionConcurrency} at a time)`);
  await pool(threads, opts.mentionConcurrency, async (th) => {
    th.sentAt = Date.now();
    th.status = await postMention(
      bench.appUrl,
      `build a churn model and serve it behind an API (${th.run})`,
      th.threadTs,
    ).catch(() => 0);
  });
  const allAcked = Date.now() - t0;
  progress(`throughput ${opts.runs}: all mentions acked after ${(allAcked / 1000).toFixed(1)} s`);

  const summarized = () => threads.filter((th) => slack.threads.get(th.threadTs)?.summaryPostedAt).length;
  let lastReport = Date.now();
  const finished = await until(
    () => {
      if (Date.now() - lastReport > 10_000) {
        lastReport = Date.now();
        progress(
          `throughput ${opts.runs}: ${summarized()}/${opts.runs} summaries posted, ${calls.length} model calls, ${slack.state.calls} Slack calls`,
        );
      }
      return summarized() === opts.runs;
    },
    Math.max(0, opts.timeoutMs - (Date.now() - t0)),
    50,
  );
  // The full report is uploaded after the summary; give the outbox a little longer for the last ones.
  const reported = () => threads.filter((th) => slack.threads.get(th.threadTs)?.reportDoneAt).length;
  if (finished) await until(() => reported() === opts.runs, 30_000, 50);
  const endedAt = Date.now();
  const elu = performance.eventLoopUtilization(elu0);
  const cpu = process.cpuUsage(cpu0);
  const redisCpu = (await redisCpuSeconds(bench.redis)) - redisCpu0;
  loopDelay.disable();
  const mem = memory.stop();
  sampling = false;
  await queueSampler;
  progress(
    `throughput ${opts.runs}: ${finished ? 'all' : `only ${summarized()}/${opts.runs}`} summaries posted after ${((endedAt - t0) / 1000).toFixed(1)} s; reading the project records`,
  );

  // Orchestrator-side times from the project records (updatedAt = when the last event was applied).
  const projects = await readProjects(bench.redis, bench.keyPrefix);
  const byThread = new Map(projects.map((p) => [p.threadTs, p]));
  const wallSec = (endedAt - t0) / 1000;

  const mentionToApplied: number[] = [];
  const mentionToPosted: number[] = [];
  const gateDelays: number[] = [];
  const clickToRequest: number[] = [];
  let lastApplied = 0;
  for (const th of threads) {
    const p = byThread.get(th.threadTs);
    const times = slack.threads.get(th.threadTs);
    if (p?.phase === 'completed') {
      mentionToApplied.push(p.updatedAt - th.sentAt);
      lastApplied = Math.max(lastApplied, p.updatedAt);
    }
    if (times?.summaryPostedAt) mentionToPosted.push(times.summaryPostedAt - th.sentAt);
    for (const stage of GATED) {
      const posted = times?.gatePosted[stage.id];
      const due = Math.max(...stage.reads.map((id) => p?.stages[id]?.finishedAt ?? Number.NaN));
      if (posted !== undefined && Number.isFinite(due)) gateDelays.push(posted - due);
      const clicked = times?.gateClicked[stage.id];
      const request = calls.find((c) => c.run === th.run && c.stageId === stage.id);
      if (clicked !== undefined && request) clickToRequest.push(request.t - clicked);
    }
  }

  const summaryCalls = calls.filter((c) => c.kind === 'summary');
  const lastSummaryAnswer = Math.max(...summaryCalls.map((c) => c.t)) + opts.modelLatencyMs;
  const lastPosted = Math.max(
    0,
    ...threads.map((th) => slack.threads.get(th.threadTs)?.summaryPostedAt ?? 0),
  );
  const criticalPathMs = 10 * opts.modelLatencyMs;
  const wallToLastSummaryPostedMs = finished ? lastPosted - t0 : endedAt - t0;

  // Peak model calls in flight, each taking [t, t + latency].
  const edges = calls.flatMap((c) => [
    [c.t, 1],
    [c.t + opts.modelLatencyMs, -1],
  ]) as Array<[number, number]>;
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let inFlight = 0;
  let peakInFlight = 0;
  for (const [, d] of edges) {
    inFlight += d;
    peakInFlight = Math.max(peakInFlight, inFlight);
  }

  const count = (values: number[]) =>
    values.reduce<Record<string, number>>((acc, v) => {
      acc[String(v)] = (acc[String(v)] ?? 0) + 1;
      return acc;
    }, {});

  await Promise.all([...queues.values()].map((q) => q.close()));
  qconn.disconnect();
  await bench.close();

  return {
    runs: opts.runs,
    completedRuns: mentionToPosted.length,
    finished,
    modelLatencyMs: opts.modelLatencyMs,
    workerConcurrency: opts.workerConcurrency,
    criticalPathMs,
    wallToLastSummaryPostedMs,
    ratioToCriticalPath: Number((wallToLastSummaryPostedMs / criticalPathMs).toFixed(2)),
    milestonesMs: {
      allMentionsAcked: allAcked,
      lastSummaryModelAnswer: Math.round(lastSummaryAnswer - t0),
      lastSummaryEventApplied: lastApplied - t0,
      lastSummaryPosted: lastPosted - t0,
      lastSlackCall: slack.state.lastCallAt - t0,
    },
    perRunMs: {
      mentionToSummaryApplied: rounded(stats(mentionToApplied), 0),
      mentionToSummaryPosted: rounded(stats(mentionToPosted), 0),
      gateDueToPosted: rounded(stats(gateDelays), 0),
      clickToStageRequest: rounded(stats(clickToRequest), 0),
    },
    modelCalls: calls.length,
    peakModelCallsInFlight: peakInFlight,
    workerSlotBoundMs: Math.round((opts.runs * 10 * opts.modelLatencyMs) / opts.workerConcurrency),
    slack: {
      calls: slack.state.calls,
      failedCalls: slack.state.failedCalls,
      byMethod: slack.methods,
      callsPerSecond: Number(
        (
          slack.state.calls / Math.max(0.001, (slack.state.lastCallAt - slack.state.firstCallAt) / 1000)
        ).toFixed(1),
      ),
    },
    peakQueue,
    queuesSeen: [...queues.keys()].sort(),
    queueTimeline: timeline,
    memory: {
      startRssBytes: mem.startRss,
      peakRssBytes: mem.peakRss,
      peakHeapUsedBytes: mem.peakHeapUsed,
      samples: mem.samples,
    },
    cpu: {
      eventLoopUtilization: Number(elu.utilization.toFixed(3)),
      eventLoopDelayP99Ms: Number((loopDelay.percentile(99) / 1e6).toFixed(1)),
      processCpuCores: Number(((cpu.user + cpu.system) / 1e6 / wallSec).toFixed(2)),
      redisCpuCores: Number((redisCpu / wallSec).toFixed(2)),
    },
    mentionStatuses: count(threads.map((th) => th.status)),
    clickStatuses: count(slack.clickStatuses),
    warnings: bench.warnings.slice(0, 20),
  };
}

interface ProjectRecord {
  threadTs: string;
  phase: string;
  updatedAt: number;
  stages: Record<string, { finishedAt?: number; queuedAt?: number; startedAt?: number }>;
}

async function readProjects(redis: Redis, prefix: string): Promise<ProjectRecord[]> {
  const ids = await redis.zrange(`${prefix}:projects`, 0, -1);
  const out: ProjectRecord[] = [];
  for (let i = 0; i < ids.length; i += 100) {
    const raws = await redis.mget(...ids.slice(i, i + 100).map((id) => `${prefix}:project:${id}`));
    for (const raw of raws) if (raw) out.push(JSON.parse(raw) as ProjectRecord);
  }
  return out;
}
