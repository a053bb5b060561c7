/**
 * `npm run bench`: starts a private redis-server, runs each benchmark in its own Node process (so memory
 * and CPU figures belong to one benchmark), prints a table and writes bench/results/<timestamp>.json.
 *
 * Options (after `npm run bench --`):
 *   --only=ack,handoff,caching,throughput,idle   run a subset (default: all)
 *   --runs=100,500                           run counts of the throughput benchmark (default: 100,500)
 *   --projects=20                            projects of the hand-off benchmark (default: 20)
 */
import { fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { startRedisServer } from '../test/support/redis-server.js';
import { type AckOptions, type AckResult, runAckLatency } from './ack-latency.js';
import { CACHE_RULES, type CachingResult, runCaching } from './caching.js';
import { type HandoffOptions, type HandoffResult, runHandoff } from './handoff.js';
import { type IdleRssResult, runIdleRss } from './idle-rss.js';
import { mb, ms, progress, renderTable, sec, type TableRow, times } from './lib.js';
import { runThroughput, type ThroughputOptions, type ThroughputResult } from './throughput.js';

type Job =
  | { bench: 'ack'; opts: AckOptions }
  | { bench: 'handoff'; opts: HandoffOptions }
  | { bench: 'caching'; opts: Record<string, never> }
  | { bench: 'throughput'; opts: ThroughputOptions }
  | { bench: 'idle'; opts: Record<string, never> };

/** The whole run must stay well under 10 minutes; the largest throughput run gets what is left. */
const BUDGET_MS = 9 * 60_000;
const MODEL_LATENCY_MS = 200;

// ── Child: one benchmark ────────────────────────────────────────────────────────────────────────

async function runChild(redisUrl: string, job: Job): Promise<unknown> {
  switch (job.bench) {
    case 'ack':
      return runAckLatency(redisUrl, job.opts);
    case 'handoff':
      return runHandoff(redisUrl, job.opts);
    case 'caching':
      return runCaching(redisUrl);
    case 'throughput':
      return runThroughput(redisUrl, job.opts);
    case 'idle':
      return runIdleRss(redisUrl);
  }
}

// ── Parent: orchestrate, tabulate, save ─────────────────────────────────────────────────────────

/**
 * A hash of every file under src/ and the newest modification time, taken before and after the run:
 * each benchmark process loads src/ when it starts, so an edit during the run means the figures mix
 * versions of the code.
 */
function srcFingerprint(): { sha256: string; files: number; newestMtime: string } {
  const root = fileURLToPath(new URL('../src/', import.meta.url));
  const hash = createHash('sha256');
  let files = 0;
  let newest = 0;
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const st = statSync(path);
      if (st.isDirectory()) walk(path);
      else {
        files += 1;
        newest = Math.max(newest, st.mtimeMs);
        hash.update(path.slice(root.length)).update('\0').update(readFileSync(path)).update('\0');
      }
    }
  };
  walk(root);
  return { sha256: hash.digest('hex'), files, newestMtime: new Date(newest).toISOString() };
}

interface Outcome {
  job: Job;
  result?: unknown;
  error?: string;
  wallMs: number;
}

function runInChild(redisUrl: string, job: Job, killAfterMs: number): Promise<Outcome> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = fork(fileURLToPath(import.meta.url), ['--child', redisUrl, JSON.stringify(job)], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let settled = false;
    const finish = (o: Omit<Outcome, 'job' | 'wallMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ job, ...o, wallMs: Date.now() - t0 });
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish({ error: `killed after ${Math.round(killAfterMs / 1000)} s without a result` });
    }, killAfterMs);
    child.on('message', (m: { result?: unknown; error?: string }) => finish(m));
    child.on('exit', (code) => finish({ error: `exited with code ${code} before reporting` }));
  });
}

function parseArgs(argv: string[]) {
  const get = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const only = get('only')?.split(',') ?? ['ack', 'handoff', 'caching', 'throughput', 'idle'];
  const runs = (get('runs') ?? '100,500').split(',').map(Number);
  const projects = Number(get('projects') ?? 20);
  return { only, runs, projects };
}

async function main(): Promise<void> {
  const startedAt = new Date();
  process.env.BENCH_STARTED_AT = String(startedAt.getTime());
  const args = parseArgs(process.argv.slice(2));
  const srcAtStart = srcFingerprint();
  progress('starting a private redis-server');
  const redis = await startRedisServer();
  const info = new Redis(redis.url);
  const redisVersion = /redis_version:(\S+)/.exec(await info.info('server'))?.[1] ?? '?';
  info.disconnect();

  const outcomes: Outcome[] = [];
  const run = async (job: Job, killAfterMs: number) => {
    const label = job.bench === 'throughput' ? `throughput (${job.opts.runs} runs)` : job.bench;
    progress(`── ${label}`);
    const o = await runInChild(redis.url, job, killAfterMs);
    progress(`── ${label}: ${o.error ? `FAILED: ${o.error}` : 'done'} in ${(o.wallMs / 1000).toFixed(1)} s`);
    outcomes.push(o);
  };

  try {
    if (args.only.includes('ack')) {
      await run(
        { bench: 'ack', opts: { requests: 200, concurrency: 50, warmup: 2000, repetitions: 7 } },
        120_000,
      );
      await run(
        { bench: 'ack', opts: { requests: 200, concurrency: 1, warmup: 500, repetitions: 3 } },
        120_000,
      );
    }
    if (args.only.includes('handoff')) {
      await run({ bench: 'handoff', opts: { projects: args.projects, bareRoundTrips: 100 } }, 180_000);
    }
    if (args.only.includes('caching')) await run({ bench: 'caching', opts: {} }, 120_000);
    if (args.only.includes('idle')) await run({ bench: 'idle', opts: {} }, 120_000);
    if (args.only.includes('throughput')) {
      for (const runs of args.runs) {
        const left = BUDGET_MS - (Date.now() - startedAt.getTime());
        const timeoutMs = Math.max(30_000, Math.min(300_000, left - 60_000));
        await run(
          {
            bench: 'throughput',
            opts: {
              runs,
              modelLatencyMs: MODEL_LATENCY_MS,
              workerConcurrency: Math.max(200, runs),
              mentionConcurrency: 50,
              timeoutMs,
            },
          },
          timeoutMs + 90_000,
        );
      }
    }
  } finally {
    await redis.stop();
  }

  const srcAtEnd = srcFingerprint();
  const srcChanged = srcAtStart.sha256 !== srcAtEnd.sha256;
  const rows = tableRows(outcomes);
  const table = renderTable(rows);
  const finishedAt = new Date();
  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? '?',
    memoryGb: Number((totalmem() / 1024 ** 3).toFixed(1)),
    node: process.version,
    redis: redisVersion,
    platform: `${process.platform}-${process.arch}`,
  };
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const file = `${dir}${startedAt.toISOString().replace(/:/g, '-')}.json`;
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        startedAt: startedAt.toISOString(),
        finishedAt: finishedAt.toISOString(),
        command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
        machine,
        src: { atStart: srcAtStart, atEnd: srcAtEnd, changedDuringRun: srcChanged },
        table: rows,
        results: outcomes.map((o) => ({
          bench: o.job.bench,
          options: o.job.opts,
          wallMs: o.wallMs,
          ...(o.error ? { error: o.error } : { result: o.result }),
        })),
      },
      null,
      2,
    )}\n`,
  );

  const out = process.stdout;
  out.write(
    `\nPipewright benchmarks — ${startedAt.toISOString()} — ${machine.cpus} cores (${machine.cpuModel}), `,
  );
  out.write(
    `Node ${machine.node}, Redis ${machine.redis}; took ${sec(finishedAt.getTime() - startedAt.getTime())}\n\n`,
  );
  out.write(`${table}\n\n`);
  for (const note of notes(outcomes)) out.write(`- ${note}\n`);
  if (srcChanged) {
    out.write(
      `\nWARNING: src/ changed during the run (newest edit ${srcAtEnd.newestMtime}); the benchmarks may have run different versions of the code. Run again when src/ is quiet.\n`,
    );
  }
  out.write(`\nFull results: ${file}\n`);
  if (outcomes.some((o) => o.error)) process.exitCode = 1;
}

function resultOf<T>(outcomes: Outcome[], pick: (o: Outcome) => boolean): { result?: T; error?: string }[] {
  return outcomes.filter(pick).map((o) => ({ result: o.result as T | undefined, error: o.error }));
}

const met = (ok: boolean) => (ok ? 'yes' : 'no');

/** The spread of one app's per-repetition p50 (p99) in the ack benchmark, e.g. "20–36". */
function range(a: AckResult, app: 'pipewright' | 'bare', p: 'p50' | 'p99'): string {
  const values = a.perRepetition.map((r) => r[app][p]);
  const digits = Math.max(...values) < 10 ? 1 : 0;
  return `${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}`;
}

function tableRows(outcomes: Outcome[]): TableRow[] {
  const rows: TableRow[] = [];
  const failed = (figure: string, error: string, aim: string): TableRow => ({
    figure,
    measured: `FAILED: ${error}`,
    baseline: '',
    ratio: '',
    aim,
    met: 'no',
  });

  for (const { result: r, error } of resultOf<IdleRssResult>(outcomes, (o) => o.job.bench === 'idle')) {
    if (!r) {
      rows.push(failed('5. idle RSS of one process', error ?? '?', '—'));
      continue;
    }
    const compiled = r.compiledRssBytes;
    rows.push({
      figure: `5. idle RSS of one process (\`all\` role, healthy + ${r.settleMs / 1000} s): compiled \`node --enable-source-maps dist/main.js\` vs tsx`,
      measured: compiled === undefined ? 'dist/ not built (npm run build)' : mb(compiled),
      baseline: `tsx src/main.ts ${mb(r.tsxRssBytes)}`,
      ratio: compiled === undefined ? '' : times(compiled / r.tsxRssBytes),
      aim: '—',
      met: '—',
    });
  }

  for (const { result: h, error } of resultOf<HandoffResult>(outcomes, (o) => o.job.bench === 'handoff')) {
    if (!h) {
      rows.push(failed('1. stage hand-off p50', error ?? '?', '≤ 2×'));
      continue;
    }
    rows.push({
      figure: `1. stage → next stage hand-off p50, instant model (${h.handoffsMeasured} hand-offs in ${h.projects} runs; gated ones excluded)`,
      measured: `${ms(h.handoffMs.p50)} (p90 ${ms(h.handoffMs.p90)})`,
      baseline: `bare BullMQ round trip p50 ${ms(h.bareRoundTripMs.p50, 2)}`,
      ratio: times(h.ratioP50),
      aim: '≤ 2×',
      met: met(h.ratioP50 <= 2),
    });
  }

  for (const { result: t, error } of resultOf<ThroughputResult>(
    outcomes,
    (o) => o.job.bench === 'throughput',
  )) {
    if (!t) {
      rows.push(failed('2. concurrent runs', error ?? '?', '≤ 1.3×'));
      continue;
    }
    const done = t.finished ? '' : ` (INCOMPLETE: ${t.completedRuns}/${t.runs} summaries by the timeout)`;
    rows.push({
      figure: `2. ${t.runs} concurrent runs × 7 stages, model 200 ms: first mention → last summary posted`,
      measured: `${sec(t.wallToLastSummaryPostedMs)}${done}`,
      baseline: `critical path ${sec(t.criticalPathMs)} (10 calls × ${t.modelLatencyMs} ms)`,
      ratio: times(t.ratioToCriticalPath),
      aim: '≤ 1.3×',
      met: met(t.finished && t.ratioToCriticalPath <= 1.3),
    });
    rows.push({
      figure: `2. peak RSS, ${t.runs} runs (one process: bot + worker + stand-ins + driver)`,
      measured: mb(t.memory.peakRssBytes),
      baseline: `${mb(t.memory.startRssBytes)} idle, before the first mention`,
      ratio: '—',
      aim: '≤ 300 MiB',
      met: met(t.memory.peakRssBytes <= 300 * 1024 * 1024),
    });
  }

  for (const { result: c, error } of resultOf<CachingResult>(outcomes, (o) => o.job.bench === 'caching')) {
    if (!c) {
      rows.push(failed('3. billed input tokens, cache on/off', error ?? '?', '≤ 0.35×'));
      continue;
    }
    rows.push({
      figure: `3. billed-equiv. input tokens of one run, prompt cache on vs off (SIMULATED; min prefix ${CACHE_RULES.minCacheableTokens} tok)`,
      measured: `${c.simulated.billedOn} tok on (largest prefix ${c.largestPrefixTokens} tok)`,
      baseline: `${c.simulated.billedOff} tok off`,
      ratio: times(c.simulated.ratio),
      aim: '≤ 0.35×',
      met: met(c.simulated.ratio <= 0.35),
    });
  }

  for (const { result: a, error } of resultOf<AckResult>(outcomes, (o) => o.job.bench === 'ack')) {
    if (!a) {
      rows.push(failed('4. ack latency', error ?? '?', '≤ 1.2×'));
      continue;
    }
    const headline = a.concurrency === 50;
    const what = `${a.requests} signed app_mentions, ${a.concurrency} at a time, median of ${a.repetitions} reps`;
    rows.push({
      figure: `4. ack latency p50, ${what}${headline ? '' : ' (extra: unloaded)'}`,
      measured: `${ms(a.p50Ms.pipewright)} (reps ${range(a, 'pipewright', 'p50')})`,
      baseline: `bare Bolt ${ms(a.p50Ms.bare)} (reps ${range(a, 'bare', 'p50')})`,
      ratio: times(a.ratioP50),
      aim: headline ? '≤ 1.2×' : '—',
      met: headline ? met(a.ratioP50 <= 1.2) : '—',
    });
    rows.push({
      figure: `4. ack latency p99, ${what}${headline ? '' : ' (extra: unloaded)'}`,
      measured: `${ms(a.p99Ms.pipewright)} (reps ${range(a, 'pipewright', 'p99')})`,
      baseline: `bare Bolt ${ms(a.p99Ms.bare)} (reps ${range(a, 'bare', 'p99')})`,
      ratio: times(a.ratioP99),
      aim: headline ? '≤ 1.2×' : '—',
      met: headline ? met(a.ratioP99 <= 1.2) : '—',
    });
  }
  return rows;
}

/** What each figure is made of, in a line or two, from the results. */
function notes(outcomes: Outcome[]): string[] {
  const lines: string[] = [];
  for (const { result: h } of resultOf<HandoffResult>(outcomes, (o) => o.job.bench === 'handoff')) {
    if (!h) continue;
    const segs = Object.entries(h.segmentsP50Ms)
      .map(([k, v]) => `${k} ${v} ms`)
      .join('; ');
    lines.push(
      `hand-off: model answer → next model request of the same run, one run at a time, gates clicked by the bench and the ${h.excludedGated} gated hand-offs excluded. All ${h.allHandoffMs.n} ungated model → model hand-offs (incl. clarify → plan, plan → first stage, last stage → summary): p50 ${ms(h.allHandoffMs.p50)}, p90 ${ms(h.allHandoffMs.p90)}. Segment p50s over those (BullMQ event streams, ms resolution): ${segs}. ${h.doneEventsDelayedByLock}/${h.doneEventsSeen} done events found the project locked and were put back as delayed jobs (hand-off p99 ${ms(h.handoffMs.p99)}); lock-busy delays by event type: ${JSON.stringify(h.lockDelaysByEventType)}.`,
    );
  }
  for (const { result: t } of resultOf<ThroughputResult>(outcomes, (o) => o.job.bench === 'throughput')) {
    if (!t) continue;
    const m = t.milestonesMs;
    lines.push(
      `${t.runs} runs: THE BENCH CLICKS APPROVE on both gates of every run (signed block_actions, as the requester) as soon as the gate message is posted. WORKER_CONCURRENCY=${t.workerConcurrency}. Milestones after the first mention: mentions acked ${sec(m.allMentionsAcked)}, last summary model answer ${sec(m.lastSummaryModelAnswer)}, last summary event applied ${sec(m.lastSummaryEventApplied)}, last summary posted ${sec(m.lastSummaryPosted)}, last Slack call ${sec(m.lastSlackCall)}. Gate due → gate posted p50 ${sec(t.perRunMs.gateDueToPosted.p50)} (max ${sec(t.perRunMs.gateDueToPosted.max)}); outbox (${t.queuesSeen.filter((q) => q.startsWith('slack-outbox')).length} queue(s)) ${t.slack.calls} Slack calls (${t.slack.byMethod['chat.update'] ?? 0} of them chat.update) at ${t.slack.callsPerSecond}/s, peak backlog ${t.peakQueue['slack-outbox']?.waiting ?? 0}; main-thread event-loop utilisation ${t.cpu.eventLoopUtilization}, Redis ${t.cpu.redisCpuCores} cores; peak model calls in flight ${t.peakModelCallsInFlight}.`,
    );
  }
  for (const { result: c } of resultOf<CachingResult>(outcomes, (o) => o.job.bench === 'caching')) {
    if (!c) continue;
    lines.push(
      `caching: a SIMULATION of the provider's cache rules (breakpoints at cache_control blocks, longest cached prefix read, min ${CACHE_RULES.minCacheableTokens} tokens per cached prefix, 5 min TTL, write 1.25×, read 0.1×, 4 chars/token) over the ${c.requests} real requests of one run (the stand-in reports no cache usage). ${c.simulated.reads} request(s) read ${c.simulated.readTokens} tokens from the cache, ${c.simulated.writes} wrote ${c.simulated.writeTokens}; ${c.simulated.belowMinimum} had a prefix below the minimum (largest prefix ${c.largestPrefixTokens} tokens). The output JSON schema (up to ${Math.max(0, ...c.simulated.requests.map((r) => r.schemaTokens))} tokens a request) is counted as uncached input; not counted at all, the ratio would be ${times(c.schemaNotCounted.ratio)}. With no minimum length it would be ${times(c.hypotheticalNoMinimum.ratio)}. Stage inputs here are the stand-in's short deliverables; real ones sit in the uncached user message, so a real run's ratio is higher.`,
    );
  }
  for (const { result: a } of resultOf<AckResult>(outcomes, (o) => o.job.bench === 'ack')) {
    if (a?.concurrency !== 50) continue;
    lines.push(
      'ack: Pipewright (`bot` role, HTTP) acks once the author is looked up (users.info and conversations.info, cached 5 min in Redis), the event is on the orchestrator queue and marked seen (processBeforeResponse: true, by design); bare Bolt acks before its no-op listener runs. Client in a separate process; order real, bare, bare, real.',
    );
  }
  return lines;
}

if (process.argv[2] === '--child') {
  const [redisUrl, jobJson] = process.argv.slice(3);
  runChild(redisUrl as string, JSON.parse(jobJson as string) as Job).then(
    (result) => {
      process.send?.({ result }, () => process.exit(0));
    },
    (err: unknown) => {
      console.error(err);
      process.send?.({ error: err instanceof Error ? err.message : String(err) }, () => process.exit(1));
    },
  );
} else {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
