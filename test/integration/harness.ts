import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { inject, onTestFinished } from 'vitest';
import { type Config, loadConfig } from '../../src/app/config.js';
import { createLogger } from '../../src/app/logger.js';
import { type RunningSystem, startSystem } from '../../src/app/system.js';
import { asTailoredPlan, defaultPlan, type TailoredPlan } from '../../src/domain/plan.js';
import {
  type AnthropicStandIn,
  type RecordedRequest,
  type StandInReply,
  startAnthropicStandIn,
} from '../support/anthropic-stand-in.js';
import { FIXTURE_REQUIREMENTS } from '../support/fixtures.js';
import { jsonSchemaInstance } from '../support/json-schema-instance.js';
import { type AppProcess, spawnRole, waitHealthy } from '../support/processes.js';
import { findFreePort } from '../support/redis-server.js';
import {
  blockActionPayload,
  eventEnvelope,
  postSignedAction,
  postSignedEvent,
} from '../support/slack-signing.js';
import { type SlackCall, type SlackStandIn, startSlackStandIn } from '../support/slack-stand-in.js';
import { waitFor } from '../support/wait.js';

export const SIGNING_SECRET = 'test-signing-secret';
export const TEAM = 'T0001';
export const CHANNEL = 'C0PROJECTS';
export const REQUESTER = 'UREQUESTER';

let tsCounter = 1_700_000_000;
export const nextTs = () => `${++tsCounter}.000100`;

/** Environment for one test: the stand-ins' URLs and a key prefix no other test uses. */
export function testEnv(slack: SlackStandIn, model: AnthropicStandIn, extra: Record<string, string> = {}) {
  return {
    SLACK_BOT_TOKEN: 'xoxb-test-token',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    ANTHROPIC_API_KEY: 'sk-ant-test-key',
    ANTHROPIC_BASE_URL: model.url,
    REDIS_URL: inject('redisUrl'),
    REDIS_KEY_PREFIX: `t${randomUUID().slice(0, 8)}`,
    PORT: '0',
    MODEL_MAX_RETRIES: '0',
    STAGE_ATTEMPTS: '2',
    // Whole runs post a dozen messages in a second; pacing them would make every test wait. It is
    // tested on its own (slack-pacing.test.ts), with pacing on as in production.
    SLACK_CHANNEL_POST_INTERVAL_MS: '0',
    // The live status as the edited message these tests read; task cards are tested on their own
    // (task-cards.test.ts), on as in production.
    TASK_CARDS: 'off',
    // One author call per stage, as most tests script them; reviews and revisions are tested on their own
    // (stage-review.test.ts), on as in production.
    REVIEW: 'off',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'info',
    ...extra,
  };
}

export { FIXTURE_REQUIREMENTS } from '../support/fixtures.js';

/**
 * Answers the project manager like a model would: clarification asks questions in round 1 and is
 * satisfied from round 2 on; plan tailoring returns `plan` (default: the default plan, kept).
 */
export function projectManagerResponder(opts: { plan?: TailoredPlan } = {}) {
  return (req: RecordedRequest): StandInReply | undefined => {
    if (req.lastUserText.includes('Tailor the project plan')) {
      return {
        json:
          opts.plan ??
          asTailoredPlan(defaultPlan(FIXTURE_REQUIREMENTS), 'The default plan fits: kept as is.'),
      };
    }
    if (!req.lastUserText.includes('clarification round')) return undefined;
    const round = Number(/clarification round (\d+)/.exec(req.lastUserText)?.[1] ?? '1');
    return {
      json: {
        ready: round >= 2,
        questions:
          round >= 2 ? [] : ['Where does the subscription data live?', 'What latency must the API meet?'],
        requirements: FIXTURE_REQUIREMENTS,
        assumptions: ['data refreshed daily'],
      },
    };
  };
}

export interface Harness {
  config: Config;
  /** Every log line the system wrote, parsed (captured at level "info" and above). */
  logs: Array<Record<string, unknown>>;
  slack: SlackStandIn;
  model: AnthropicStandIn;
  system: RunningSystem;
  appUrl: string;
  redis: Redis;
  /** Posts a signed app_mention opening a thread; returns its ts (the thread) and the HTTP status. */
  mention(
    text: string,
    opts?: { user?: string; eventId?: string; retryNum?: number; ts?: string; team?: string },
  ): Promise<{ threadTs: string; status: number; eventId: string }>;
  /** A direct message to the bot, not in a thread (message.im); returns its ts (the thread it would open). */
  dm(text: string, opts?: { user?: string; channel?: string }): Promise<{ ts: string; status: number }>;
  /** A plain message in a thread (no mention), as message.channels delivers it. */
  reply(threadTs: string, text: string, user?: string, team?: string): Promise<number>;
  /** The block_actions payload of a click on Approve or Reject on the gate message of `stageId`. */
  clickPayload(threadTs: string, stageId: string, verdict: 'approve' | 'reject', user: string): object;
  /**
   * Clicks the button `actionId` on `message` (a chat.postMessage call the stand-in recorded) as `user`.
   * `opts` change what the payload says: the clicker's own team, or the button's value (a copied one).
   */
  clickButton(
    message: SlackCall,
    actionId: string,
    user: string,
    opts?: { userTeamId?: string; value?: string },
  ): Promise<number>;
  /** Texts of the ephemeral messages `user` was shown, oldest first. */
  ephemeralsTo(user: string): string[];
  /** Waits for an ephemeral message to `user` matching `pattern`, and returns its text. */
  waitForEphemeral(user: string, pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Clicks Approve or Reject on the gate message of `stageId`. */
  click(threadTs: string, stageId: string, verdict: 'approve' | 'reject', user: string): Promise<number>;
  /** Thread messages the bot posted in `threadTs` (postMessage), in order. */
  posts(threadTs: string): SlackCall[];
  /** The latest text of each message in the thread, edits applied, as a person would read it. */
  threadText(threadTs: string): string;
  waitForThread(threadTs: string, pattern: RegExp, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(
  extraEnv: Record<string, string> = {},
  opts: { role?: 'all' | 'bot' } = {},
): Promise<Harness> {
  const slack = await startSlackStandIn();
  const model = await startAnthropicStandIn();
  model.setResponder(projectManagerResponder());
  const config = loadConfig(testEnv(slack, model, extraEnv));
  const logs: Array<Record<string, unknown>> = [];
  const echo = process.env.TEST_LOG_LEVEL !== undefined;
  const sink = new Writable({
    write(chunk, _enc, done) {
      const line = String(chunk);
      if (echo) process.stderr.write(line);
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ msg: line });
      }
      done();
    },
  });
  const system = await startSystem(config, opts.role ?? 'all', createLogger(config.logLevel, sink));
  const appUrl = `http://127.0.0.1:${system.port}`;
  const redis = new Redis(config.redis.url);
  redis.on('error', () => undefined); // the system under test logs outages; this inspection client stays quiet
  return closeAfterTest(harnessFor({ config, logs, slack, model, system, appUrl, redis }));
}

/** Closes the harness when the current test ends, pass or fail (closing it earlier is fine too). */
function closeAfterTest(h: Harness): Harness {
  onTestFinished(() => h.close());
  return h;
}

export function harnessFor(
  parts: Pick<Harness, 'config' | 'logs' | 'slack' | 'model' | 'system' | 'appUrl' | 'redis'>,
): Harness {
  let closing: Promise<void> | undefined;
  const { slack, appUrl } = parts;
  const posts = (threadTs: string) =>
    slack.callsTo('chat.postMessage').filter((c) => c.args.thread_ts === threadTs && c.response.ok === true);

  const threadText = (threadTs: string) => {
    const latest = new Map<string, string>();
    for (const call of slack.calls) {
      if (call.response.ok !== true) continue;
      if (call.method === 'chat.postMessage' && call.args.thread_ts === threadTs) {
        latest.set(String(call.response.ts), messageText(call));
      } else if (call.method === 'chat.update' && latest.has(String(call.args.ts))) {
        latest.set(String(call.args.ts), messageText(call));
      }
    }
    return [...latest.values()].join('\n---\n');
  };

  const clickPayload = (threadTs: string, stageId: string, verdict: 'approve' | 'reject', user: string) => {
    const gate = posts(threadTs).find((c) =>
      JSON.stringify(c.args.blocks ?? []).includes(`Approval needed: ${stageId}`),
    );
    if (!gate) throw new Error(`no gate message for ${stageId}`);
    const actions = (
      gate.args.blocks as Array<{ type: string; elements?: Array<{ action_id: string; value: string }> }>
    ).find((b) => b.type === 'actions');
    const button = actions?.elements?.find(
      (e) => e.action_id === (verdict === 'approve' ? 'gate_approve' : 'gate_reject'),
    );
    if (!button) throw new Error(`gate for ${stageId} has no ${verdict} button`);
    return blockActionPayload({
      userId: user,
      channelId: CHANNEL,
      messageTs: String(gate.response.ts),
      threadTs,
      actionId: button.action_id,
      value: button.value,
      teamId: TEAM,
      responseUrl: slack.responseUrl(),
    });
  };

  return {
    ...parts,
    async mention(text, o = {}) {
      const ts = o.ts ?? nextTs();
      const envelope = eventEnvelope(
        {
          type: 'app_mention',
          user: o.user ?? REQUESTER,
          text: `<@UBOT> ${text}`,
          ts,
          channel: CHANNEL,
          event_ts: ts,
        },
        { teamId: o.team ?? TEAM, ...(o.eventId ? { eventId: o.eventId } : {}) },
      ) as { event_id: string };
      const res = await postSignedEvent(
        appUrl,
        SIGNING_SECRET,
        envelope,
        o.retryNum === undefined ? {} : { retryNum: o.retryNum },
      );
      return { threadTs: ts, status: res.status, eventId: envelope.event_id };
    },
    async dm(text, o = {}) {
      const ts = nextTs();
      const envelope = eventEnvelope(
        {
          type: 'message',
          channel_type: 'im',
          user: o.user ?? REQUESTER,
          text,
          ts,
          channel: o.channel ?? 'D0REQUESTER',
          event_ts: ts,
        },
        { teamId: TEAM },
      );
      return { ts, status: (await postSignedEvent(appUrl, SIGNING_SECRET, envelope)).status };
    },
    async reply(threadTs, text, user = REQUESTER, team = TEAM) {
      const ts = nextTs();
      const envelope = eventEnvelope(
        {
          type: 'message',
          channel_type: 'channel',
          user,
          text,
          ts,
          thread_ts: threadTs,
          channel: CHANNEL,
          event_ts: ts,
        },
        { teamId: team },
      );
      return (await postSignedEvent(appUrl, SIGNING_SECRET, envelope)).status;
    },
    clickPayload,
    async clickButton(message, actionId, user, o = {}) {
      const actions = (
        message.args.blocks as Array<{ type: string; elements?: Array<{ action_id: string; value: string }> }>
      ).find((b) => b.type === 'actions');
      const button = actions?.elements?.find((e) => e.action_id === actionId);
      if (!button) throw new Error(`the message has no ${actionId} button`);
      const payload = blockActionPayload({
        userId: user,
        channelId: String(message.args.channel),
        messageTs: String(message.response.ts),
        threadTs: String(message.args.thread_ts),
        actionId,
        value: o.value ?? button.value,
        teamId: TEAM,
        ...(o.userTeamId ? { userTeamId: o.userTeamId } : {}),
        responseUrl: slack.responseUrl(),
      });
      return (await postSignedAction(appUrl, SIGNING_SECRET, payload)).status;
    },
    ephemeralsTo(user) {
      return slack
        .callsTo('chat.postEphemeral')
        .filter((c) => c.args.user === user && c.response.ok === true)
        .map((c) => messageText(c));
    },
    async waitForEphemeral(user, pattern, timeoutMs = 15_000) {
      return waitFor(
        () =>
          slack
            .callsTo('chat.postEphemeral')
            .filter((c) => c.args.user === user)
            .map((c) => messageText(c))
            .find((t) => pattern.test(t)),
        { timeoutMs, message: () => `${user} was never shown ${pattern}` },
      );
    },
    async click(threadTs, stageId, verdict, user) {
      const payload = clickPayload(threadTs, stageId, verdict, user);
      return (await postSignedAction(appUrl, SIGNING_SECRET, payload)).status;
    },
    posts,
    threadText,
    async waitForThread(threadTs, pattern, timeoutMs = 15_000) {
      await waitFor(() => pattern.test(threadText(threadTs)), {
        timeoutMs,
        message: `thread never showed ${pattern}; it reads:\n${threadText(threadTs).slice(-3000)}`,
      });
    },
    async close() {
      closing ??= (async () => {
        await parts.system.stop();
        parts.redis.disconnect();
        await Promise.all([slack.close(), parts.model.close()]);
      })();
      await closing;
    },
  };
}

/** What a person sees of a message: its blocks' text (or the fallback text when there are none). */
export function messageText(call: SlackCall): string {
  const blocks = call.args.blocks;
  if (!Array.isArray(blocks) || blocks.length === 0) return String(call.args.text ?? '');
  const parts: string[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (typeof o.text === 'string') parts.push(o.text);
      for (const [k, v] of Object.entries(o)) if (k !== 'text' || typeof v !== 'string') walk(v);
    }
  };
  walk(blocks);
  return parts.join('\n');
}

/** Opens a project and says `go` once the questions are asked; returns the thread. */
export async function openAndGo(h: Harness): Promise<string> {
  const { threadTs } = await h.mention('build a churn model and serve it behind an API');
  await h.waitForThread(threadTs, /A few questions before I plan/);
  await h.reply(threadTs, 'go');
  return threadTs;
}

/** Answers the questions of a project just opened, approves both deploy gates as the requester, and waits for the summary. */
export async function runThroughGates(h: Harness, threadTs: string): Promise<void> {
  await h.waitForThread(threadTs, /A few questions before I plan/);
  await h.reply(threadTs, 'Postgres, table subscriptions. p99 under 100 ms.');
  await h.waitForThread(threadTs, /Approval needed: phase3.mlops-engineer/);
  await h.click(threadTs, 'phase3.mlops-engineer', 'approve', REQUESTER);
  await h.waitForThread(threadTs, /Approval needed: phase3.kubernetes-architect/);
  await h.click(threadTs, 'phase3.kubernetes-architect', 'approve', REQUESTER);
  await h.waitForThread(threadTs, /Executive summary/, 30_000);
}

/** Opens a project, skips the questions with `go`, and waits until the first gate asks for a click. */
export async function runToFirstGate(h: Harness, user = REQUESTER, team = TEAM): Promise<string> {
  const { threadTs } = await h.mention('build a churn model and serve it behind an API', { user, team });
  await h.waitForThread(threadTs, /A few questions before I plan/);
  await h.reply(threadTs, 'go', user, team);
  await h.waitForThread(threadTs, /Approval needed: phase3.mlops-engineer/);
  return threadTs;
}

// ── Helpers shared by plans, failures and controls tests ─────────────────────────────────────────────

/** The stage a model request was made for ("Your stage: <id> (phase N)"); undefined for the project manager. */
export function stageOf(req: RecordedRequest): string | undefined {
  const first = req.body.messages[0]?.content;
  return typeof first === 'string' ? /^Your stage: (\S+) \(phase \d+\)/m.exec(first)?.[1] : undefined;
}

/** The stand-in's requests made for `stageId`, in arrival order. */
export function requestsFor(h: Harness, stageId: string): RecordedRequest[] {
  return h.model.requests.filter((r) => stageOf(r) === stageId);
}

/**
 * A tailored plan with a fan-out: the data engineer, then three ml-engineer experiments that each read it,
 * then a data-scientist review that reads all three. Nothing in it needs approval.
 */
export function parallelExperimentsPlan(): TailoredPlan {
  const base = asTailoredPlan(
    defaultPlan(FIXTURE_REQUIREMENTS),
    'Three model families compared, then reviewed.',
  );
  const template = base.stages[0];
  if (!template) throw new Error('the default plan has no stages');
  const stage = (
    id: string,
    phase: number,
    role: TailoredPlan['stages'][number]['role'],
    task: string,
    reads: string[],
  ) => ({
    ...template,
    id,
    phase,
    role,
    task,
    reads,
    needsApproval: false,
  });
  return {
    ...base,
    phases: [
      { number: 1, name: 'Data' },
      { number: 2, name: 'Experiments' },
    ],
    stages: [
      { ...template, needsApproval: false },
      stage(
        'phase2.gbm',
        2,
        'ml-engineer',
        'Train a gradient-boosted model on {phase1.data-engineer.output}.',
        ['phase1.data-engineer'],
      ),
      stage(
        'phase2.logreg',
        2,
        'ml-engineer',
        'Train a logistic regression on {phase1.data-engineer.output}.',
        ['phase1.data-engineer'],
      ),
      stage('phase2.nn', 2, 'ml-engineer', 'Train a small neural network on {phase1.data-engineer.output}.', [
        'phase1.data-engineer',
      ]),
      stage(
        'phase2.review',
        2,
        'data-scientist',
        'Compare {phase2.gbm.output}, {phase2.logreg.output} and {phase2.nn.output}; pick one.',
        ['phase2.gbm', 'phase2.logreg', 'phase2.nn'],
      ),
    ],
  };
}

/** The first two phases of the default plan, where the python-pro stage may fail and the run go on. */
export function shortPlanWithOptionalPythonPro(): TailoredPlan {
  const plan = asTailoredPlan(defaultPlan(FIXTURE_REQUIREMENTS), 'Short run.');
  plan.phases = plan.phases.slice(0, 2);
  plan.stages = plan.stages
    .slice(0, 4)
    .map((s) => (s.id === 'phase2.python-pro' ? { ...s, onFailure: 'continue' as const } : s));
  return plan;
}

/** The run metadata JSON of the report uploaded to the thread at the end of a run. */
export interface ReportStage {
  id: string;
  state: string;
  attempt: number;
  model: string | undefined;
  degraded: boolean;
  startedAt: string | undefined;
  durationMs: number | undefined;
  queuedAt: string | undefined;
  finishedAt: string | undefined;
}

/** Waits for the report upload and returns its run metadata (stages with timings, decisions). */
export async function reportMetadata(
  h: Harness,
): Promise<{ phase: string; stages: ReportStage[]; decisions: Array<{ kind: string; stageId?: string }> }> {
  const upload = await waitFor(
    () => h.slack.callsTo('upload').find((c) => String(c.args.content).trimStart().startsWith('{')),
    { timeoutMs: 15_000, message: 'the report was never uploaded' },
  );
  return JSON.parse(String(upload.args.content));
}

const projectManager = projectManagerResponder();

/**
 * Answers every stage request as the stand-in would by default, but with no files: for tests about what a
 * run does when its stages hand over none (no archive, no push, only the report uploaded).
 */
export function stagesWithoutFiles(req: RecordedRequest): StandInReply | undefined {
  const manager = projectManager(req);
  if (manager) return manager;
  const schema = req.body.output_config?.format?.schema;
  if (!stageOf(req) || !schema) return undefined;
  const answer = jsonSchemaInstance(schema) as Record<string, unknown>;
  return { json: { ...answer, files: [] } };
}

/** Waits for the report upload and returns its Markdown. */
export function reportMarkdown(h: Harness): Promise<string> {
  return waitFor(
    () =>
      h.slack
        .callsTo('upload')
        .map((c) => String(c.args.content))
        .find((c) => c.startsWith('# Pipewright report')),
    { timeoutMs: 15_000, message: 'the report was never uploaded' },
  );
}

/** GET /metrics, as text.
/** Waits until /healthz answers `status` (200 once Redis answers, 503 while it does not). */
export async function waitForHealthz(h: Harness, status: 200 | 503, timeoutMs = 15_000): Promise<void> {
  await waitFor(async () => (await fetch(`${h.appUrl}/healthz`)).status === status, {
    timeoutMs,
    message: `/healthz never answered ${status}`,
  });
}

export async function metricsText(h: Harness): Promise<string> {
  return (await fetch(`${h.appUrl}/metrics`)).text();
}

/** The value of one sample line in Prometheus text, e.g. `pipewright_model_breaker_state`. */
export function metricSample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/**
 * Waits until no job is waiting, active or delayed in the orchestrator and agents queues (read from
 * /metrics), twice in a row: whatever the last events caused has been done.
 */
export async function waitForIdleQueues(h: Harness, timeoutMs = 15_000): Promise<void> {
  let idleReads = 0;
  await waitFor(
    async () => {
      const text = await metricsText(h);
      const busy = ['orchestrator', 'agents'].some((queue) =>
        ['waiting', 'active', 'delayed', 'prioritized'].some(
          (state) =>
            // Gate timers wait in the orchestrator's delayed set for hours: only jobs due soon count there.
            !(queue === 'orchestrator' && state === 'delayed') &&
            (metricSample(text, `pipewright_queue_jobs{queue="${queue}",state="${state}"}`) ?? 0) > 0,
        ),
      );
      idleReads = busy || (await orchestratorJobsDueWithin(h, 60_000)) > 0 ? 0 : idleReads + 1;
      return idleReads >= 2;
    },
    { timeoutMs, intervalMs: 50, message: 'the queues never went idle' },
  );
}

/**
 * Delayed orchestrator jobs due within `ms` (a busy project's event set aside for a moment), leaving out
 * timers due later (a gate's reminder and expiry). BullMQ scores its delayed set by due time × 0x1000.
 */
export async function orchestratorJobsDueWithin(h: Harness, ms: number): Promise<number> {
  const key = `${h.config.redis.keyPrefix}:bull:orchestrator:delayed`;
  return h.redis.zcount(key, '-inf', (Date.now() + ms) * 0x1000);
}

/** The user prompt a model request started from (its first message), where a stage's role and task are. */
export function promptOf(req: RecordedRequest): string {
  const first = req.body.messages[0]?.content;
  return typeof first === 'string' ? first : JSON.stringify(first ?? '');
}

export interface ProcessCluster {
  h: Harness;
  env: Record<string, string>;
  /**
   * Starts a bot (always on the same port, so a restarted bot answers at the same URL) or a worker; waits until
   * healthy. From the TypeScript sources, or from a built `main.js` when `compiledMain` is given.
   */
  start(
    role: 'bot' | 'worker',
    extraEnv?: Record<string, string>,
    compiledMain?: string,
  ): Promise<AppProcess>;
}

/**
 * Bot and worker processes that a test can SIGKILL and start again, against the stand-ins, with a
 * harness driving the bot over HTTP. Every process started is pushed to `procs` for the test to kill.
 */
export async function startProcessCluster(
  procs: AppProcess[],
  opts: { env?: Record<string, string>; plan?: TailoredPlan; latencyMs?: number } = {},
): Promise<ProcessCluster> {
  const slack = await startSlackStandIn();
  const model = await startAnthropicStandIn();
  model.setResponder(projectManagerResponder(opts.plan ? { plan: opts.plan } : {}));
  if (opts.latencyMs) model.setLatencyMs(opts.latencyMs);
  const botPort = await findFreePort();
  const env = { ...testEnv(slack, model), ...opts.env };
  const config = loadConfig(env);
  const redis = new Redis(config.redis.url);
  redis.on('error', () => undefined);
  const h = closeAfterTest(
    harnessFor({
      config,
      logs: [],
      slack,
      model,
      appUrl: `http://127.0.0.1:${botPort}`,
      redis,
      system: { role: 'bot', port: botPort, stop: async () => undefined },
    }),
  );
  return {
    h,
    env,
    async start(role, extraEnv = {}, compiledMain) {
      const port = role === 'bot' ? botPort : await findFreePort();
      const p = spawnRole(role, { ...env, ...extraEnv, PORT: String(port) }, compiledMain);
      procs.push(p);
      await waitHealthy(port, p);
      return p;
    },
  };
}

/** The stages of the default plan, in order: what a default run shows in its thread. */
export const DEFAULT_STAGES = defaultPlan(FIXTURE_REQUIREMENTS).stages.map((s) => s.id);
