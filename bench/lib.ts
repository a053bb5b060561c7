/**
 * Shared helpers of the benchmarks: statistics, the results table, progress lines, and a way to start the
 * real system (src/system.ts) against the loopback stand-ins of test/support. Nothing here imports vitest:
 * the few lines of test/integration/harness.ts the benchmarks need are repeated below.
 */
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { loadConfig } from '../src/app/config.js';
import { createLogger } from '../src/app/logger.js';
import { type RunningSystem, startSystem } from '../src/app/system.js';
import { asTailoredPlan, defaultPlan } from '../src/domain/plan.js';
import type { Requirements } from '../src/domain/requirements.js';
import {
  type AnthropicStandIn,
  type RecordedRequest,
  type StandInReply,
  startAnthropicStandIn,
} from '../test/support/anthropic-stand-in.js';
import { FIXTURE_REQUIREMENTS } from '../test/support/fixtures.js';
import { blockActionPayload, postSignedAction, postSignedEvent } from '../test/support/slack-signing.js';
import { type SlackCall, type SlackStandIn, startSlackStandIn } from '../test/support/slack-stand-in.js';

// ── Statistics ──────────────────────────────────────────────────────────────────────────────────

export interface Stats {
  n: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** Percentile with linear interpolation between closest ranks; `p` in [0, 100]. NaN for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (rank - lo);
}

export function stats(values: readonly number[]): Stats {
  const n = values.length;
  return {
    n,
    min: n ? Math.min(...values) : Number.NaN,
    p50: percentile(values, 50),
    p90: percentile(values, 90),
    p99: percentile(values, 99),
    max: n ? Math.max(...values) : Number.NaN,
    mean: n ? values.reduce((s, v) => s + v, 0) / n : Number.NaN,
  };
}

/** Rounds every number in a Stats to `digits` decimals, for JSON that stays readable. */
export function rounded(s: Stats, digits = 2): Stats {
  const r = (v: number) => Number(v.toFixed(digits));
  return {
    n: s.n,
    min: r(s.min),
    p50: r(s.p50),
    p90: r(s.p90),
    p99: r(s.p99),
    max: r(s.max),
    mean: r(s.mean),
  };
}

export const ms = (v: number, digits = 1) => `${v.toFixed(digits)} ms`;
export const sec = (v: number, digits = 1) => `${(v / 1000).toFixed(digits)} s`;
export const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MiB`;
export const ratio = (a: number, b: number) => (b > 0 ? a / b : Number.NaN);
export const times = (r: number) => (Number.isFinite(r) ? `${r.toFixed(2)}×` : 'n/a');

// ── Output ──────────────────────────────────────────────────────────────────────────────────────

/** When `npm run bench` started (passed down to each benchmark's process), else this process's start. */
const started = Number(process.env.BENCH_STARTED_AT ?? Date.now());

/** A progress line on stdout, prefixed with the seconds since `npm run bench` started. */
export function progress(message: string): void {
  const t = ((Date.now() - started) / 1000).toFixed(1).padStart(6);
  process.stdout.write(`[${t}s] ${message}\n`);
}

export interface TableRow {
  figure: string;
  measured: string;
  baseline: string;
  ratio: string;
  aim: string;
  met: string;
}

/** A plain-text table (also valid Markdown), columns padded to their widest cell. */
export function renderTable(rows: readonly TableRow[]): string {
  const header: TableRow = {
    figure: 'figure',
    measured: 'measured',
    baseline: 'side-by-side baseline',
    ratio: 'ratio',
    aim: 'aim',
    met: 'met',
  };
  const cols = Object.keys(header) as Array<keyof TableRow>;
  const all = [header, ...rows];
  const width = (c: keyof TableRow) => Math.max(...all.map((r) => r[c].length));
  const line = (r: TableRow) => `| ${cols.map((c) => r[c].padEnd(width(c))).join(' | ')} |`;
  const rule = `|${cols.map((c) => '-'.repeat(width(c) + 2)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

// ── Concurrency and timing ──────────────────────────────────────────────────────────────────────

export const sleep = (msToWait: number) => new Promise<void>((resolve) => setTimeout(resolve, msToWait));

/** Runs `fn` over `items` with at most `concurrency` in flight; results in input order. */
export async function pool<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      results[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
  return results;
}

/** Polls `probe` every `intervalMs` until it is true; false when `timeoutMs` passes first. */
export async function until(probe: () => boolean, timeoutMs: number, intervalMs = 20): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() >= deadline) return false;
    await sleep(intervalMs);
  }
  return true;
}

/** Samples RSS and heap every `intervalMs` (default 100 ms); call stop() for the peaks. */
export function sampleMemory(intervalMs = 100) {
  let peakRss = process.memoryUsage().rss;
  let peakHeap = process.memoryUsage().heapUsed;
  let samples = 0;
  const startRss = peakRss;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    samples += 1;
    if (m.rss > peakRss) peakRss = m.rss;
    if (m.heapUsed > peakHeap) peakHeap = m.heapUsed;
  }, intervalMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      return { startRss, peakRss, peakHeapUsed: peakHeap, samples };
    },
  };
}

/** Seconds of CPU the redis-server has used so far (INFO cpu), to tell how busy Redis was over a window. */
export async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const user = Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1] ?? 0);
  const sys = Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1] ?? 0);
  return user + sys;
}

/**
 * Calls `onItem` for each item pushed onto a stand-in's recording array. With `keep: false` the item is
 * not kept (the stand-ins record every request in full, which over thousands of calls would be counted
 * in the process's RSS as if it were the system's).
 */
export function observePushes<T>(array: T[], onItem: (item: T) => void, keep = true): void {
  const original = array.push.bind(array);
  Object.defineProperty(array, 'push', {
    configurable: true,
    value: (...items: T[]) => {
      for (const item of items) onItem(item);
      return keep ? original(...items) : array.length;
    },
  });
}

// ── The system under test, against the stand-ins ────────────────────────────────────────────────

export const SIGNING_SECRET = 'bench-signing-secret';
export const TEAM = 'T0001';
export const CHANNEL = 'C0BENCH';
export const REQUESTER = 'UREQUESTER';
export const BOT_TOKEN = 'xoxb-test-token';

/** What clarification settles on; `objective` carries a run tag so every later prompt names its run. */
export function benchRequirements(runTag: string): Requirements {
  return { ...FIXTURE_REQUIREMENTS, objective: `${FIXTURE_REQUIREMENTS.objective} (${runTag})` };
}

export type RequestKind = 'clarify' | 'plan' | 'stage' | 'summary' | 'other';

export interface ModelCallInfo {
  kind: RequestKind;
  /** `run-<n>` as the bench tagged the request text, or undefined if none is found. */
  run: string | undefined;
  /** For a stage: its id (`Your stage: <id>` in the prompt). */
  stageId: string | undefined;
  /** performance.timeOrigin + performance.now() when the stand-in consulted the responder (request read). */
  t: number;
}

export function describeRequest(req: RecordedRequest): Omit<ModelCallInfo, 't'> {
  const user = req.lastUserText;
  const run = /\brun-\d+\b/.exec(`${user}\n${req.systemText}`)?.[0];
  const stageId = /Your stage: (\S+)/.exec(user)?.[1];
  const kind: RequestKind = user.includes('clarification round')
    ? 'clarify'
    : user.includes('Tailor the project plan')
      ? 'plan'
      : stageId
        ? 'stage'
        : user.includes('The run has finished')
          ? 'summary'
          : 'other';
  return { kind, run, stageId };
}

export const preciseNow = () => performance.timeOrigin + performance.now();

/**
 * Answers like the project manager would, ready at clarification round 1 (no questions), and keeps the
 * default plan. Stage and summary requests fall through to the stand-in's schema-valid default reply.
 * `onCall` sees every request with its kind and run tag, timed when the stand-in read it.
 */
export function benchResponder(onCall?: (info: ModelCallInfo, req: RecordedRequest) => void) {
  return (req: RecordedRequest): StandInReply | undefined => {
    const t = preciseNow();
    const info = { ...describeRequest(req), t };
    onCall?.(info, req);
    const requirements = benchRequirements(info.run ?? 'run-unknown');
    if (info.kind === 'plan') {
      return { json: asTailoredPlan(defaultPlan(requirements), 'The default plan fits: kept as is.') };
    }
    if (info.kind === 'clarify') {
      return {
        json: { ready: true, questions: [], requirements, assumptions: ['data refreshed daily'] },
      };
    }
    return undefined;
  };
}

export interface BenchSystem {
  slack: SlackStandIn;
  model: AnthropicStandIn;
  system: RunningSystem;
  appUrl: string;
  keyPrefix: string;
  /** An inspection connection of the benchmark's own. */
  redis: Redis;
  /** Log lines at warn or above (the first 200). */
  warnings: string[];
  close(): Promise<void>;
}

/**
 * Starts the stand-ins and the real system (one process: `all` by default) on `redisUrl` under a fresh key
 * prefix. Logs go to a sink at LOG_LEVEL info (the production default); lines at warn and above are kept.
 */
export async function startBenchSystem(
  redisUrl: string,
  opts: { role?: 'all' | 'bot'; env?: Record<string, string> } = {},
): Promise<BenchSystem> {
  const slack = await startSlackStandIn({ token: BOT_TOKEN });
  const model = await startAnthropicStandIn();
  const keyPrefix = `b${randomUUID().slice(0, 8)}`;
  const config = loadConfig({
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    ANTHROPIC_API_KEY: 'sk-ant-bench-key',
    ANTHROPIC_BASE_URL: model.url,
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: keyPrefix,
    PORT: '0',
    LOG_LEVEL: 'info',
    // The figures measure Pipewright's own overhead; Slack's per-channel post limit would dominate them.
    SLACK_CHANNEL_POST_INTERVAL_MS: '0',
    // One requester opens every run, and hundreds of runs spend in one workspace: the per-person cap and
    // the daily budget are policies, not overhead, so they are lifted here (their checks still run).
    MAX_OPEN_PROJECTS_PER_USER: '100000',
    WORKSPACE_DAILY_BUDGET_USD: '1000000',
    ...opts.env,
  });
  const warnings: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      const line = String(chunk);
      if (warnings.length < 200 && /"level":(4|5|6)0/.test(line)) warnings.push(line.slice(0, 600));
      done();
    },
  });
  const system = await startSystem(config, opts.role ?? 'all', createLogger(config.logLevel, sink));
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  return {
    slack,
    model,
    system,
    appUrl: `http://127.0.0.1:${system.port}`,
    keyPrefix,
    redis,
    warnings,
    async close() {
      await system.stop();
      redis.disconnect();
      await Promise.all([slack.close(), model.close()]);
    },
  };
}

/** A fresh Slack message ts (thread id), unique within this process. */
let tsCounter = 0;
export function freshTs(): string {
  tsCounter += 1;
  return `${1_800_000_000 + tsCounter}.000100`;
}

/** The app_mention envelope Slack would send for `text` opening the thread `ts`. */
export function mentionEnvelope(text: string, ts: string, eventId: string, user = REQUESTER): object {
  return {
    token: 'legacy-verification-token',
    team_id: TEAM,
    context_team_id: TEAM,
    api_app_id: 'A0PIPEWRIGHT',
    event: { type: 'app_mention', user, text: `<@UBOT> ${text}`, ts, channel: CHANNEL, event_ts: ts },
    type: 'event_callback',
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [
      { enterprise_id: null, team_id: TEAM, user_id: 'UBOT', is_bot: true, is_enterprise_install: false },
    ],
    is_ext_shared_channel: false,
    event_context: `4-${eventId}`,
  };
}

export const newEventId = () => `Ev${randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase()}`;

/** Posts a signed app_mention opening the thread `ts`; resolves with the HTTP status. */
export async function postMention(appUrl: string, text: string, ts: string): Promise<number> {
  return (await postSignedEvent(appUrl, SIGNING_SECRET, mentionEnvelope(text, ts, newEventId()))).status;
}

/** Gate messages are posted with the fallback text `Approval needed for <stage>: …`. */
export function gateStageOf(call: SlackCall): string | undefined {
  if (call.method !== 'chat.postMessage' || call.response.ok !== true) return undefined;
  return /^Approval needed for (\S+?):/.exec(String(call.args.text ?? ''))?.[1];
}

/** Clicks Approve on a posted gate message, as `user`, with a signed block_actions request. */
export async function clickApprove(appUrl: string, gate: SlackCall, user = REQUESTER): Promise<number> {
  const blocks = (gate.args.blocks ?? []) as Array<{
    type: string;
    elements?: Array<{ action_id: string; value: string }>;
  }>;
  const button = blocks
    .find((b) => b.type === 'actions')
    ?.elements?.find((e) => e.action_id === 'gate_approve');
  if (!button) throw new Error('gate message has no Approve button');
  const payload = blockActionPayload({
    userId: user,
    channelId: String(gate.args.channel),
    messageTs: String(gate.response.ts),
    threadTs: String(gate.args.thread_ts),
    actionId: button.action_id,
    value: button.value,
    teamId: TEAM,
  });
  return (await postSignedAction(appUrl, SIGNING_SECRET, payload)).status;
}

export interface ThreadTimes {
  /** Stage id → when its gate message was posted (Date.now() at the Slack stand-in). */
  gatePosted: Record<string, number>;
  /** Stage id → when the bench's Approve click was answered. */
  gateClicked: Record<string, number>;
  summaryPostedAt?: number;
  reportDoneAt?: number;
}

/**
 * Watches every Slack Web API call the system makes: per thread, when gates, the summary and the report
 * appeared; per method, how many calls. With `approve`, clicks Approve (signed, as the requester) on each
 * gate message as soon as it is posted. With `keep: false` the stand-in's own record of calls is not kept.
 */
export function watchSlack(bench: BenchSystem, opts: { approve: boolean; keep: boolean }) {
  const threads = new Map<string, ThreadTimes>();
  const methods: Record<string, number> = {};
  const clickStatuses: number[] = [];
  const state = { firstCallAt: 0, lastCallAt: 0, calls: 0, failedCalls: 0 };
  const thread = (ts: string) => {
    let t = threads.get(ts);
    if (!t) {
      t = { gatePosted: {}, gateClicked: {} };
      threads.set(ts, t);
    }
    return t;
  };
  observePushes(
    bench.slack.calls,
    (call) => {
      state.calls += 1;
      if (state.firstCallAt === 0) state.firstCallAt = call.at;
      state.lastCallAt = call.at;
      methods[call.method] = (methods[call.method] ?? 0) + 1;
      if (call.method !== 'upload' && call.response.ok !== true) state.failedCalls += 1;
      const threadTs = typeof call.args.thread_ts === 'string' ? call.args.thread_ts : undefined;
      if (!threadTs) return;
      if (call.method === 'files.completeUploadExternal' && call.response.ok === true) {
        thread(threadTs).reportDoneAt = call.at;
        return;
      }
      if (call.method !== 'chat.postMessage' || call.response.ok !== true) return;
      if (String(call.args.text ?? '').startsWith('Executive summary')) {
        thread(threadTs).summaryPostedAt = call.at;
        return;
      }
      const stageId = gateStageOf(call);
      if (!stageId) return;
      const times = thread(threadTs);
      times.gatePosted[stageId] = call.at;
      if (opts.approve) {
        clickApprove(bench.appUrl, call).then(
          (status) => {
            clickStatuses.push(status);
            times.gateClicked[stageId] = Date.now();
          },
          () => clickStatuses.push(0),
        );
      }
    },
    opts.keep,
  );
  return { threads, methods, clickStatuses, state };
}
