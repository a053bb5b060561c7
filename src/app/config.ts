import { z } from 'zod';
import { ConfigError } from '../domain/errors.js';
import { type ModelOutputConfig, modelOutputConfig, modelOutputEnv } from './config-model.js';

/** Blank values count as unset, as the Anthropic SDK's readEnv does: `FOO=` in a .env must not mean "". */
const optionalString = z.preprocess(
  (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
  z.string().trim().optional(),
);

const blankAsUnset = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

const positiveInt = (fallback: number) =>
  z.preprocess(blankAsUnset, z.coerce.number().int().positive().default(fallback));

const positiveUsd = (fallback: number) =>
  z.preprocess(blankAsUnset, z.coerce.number().positive().max(1_000_000).default(fallback));

/** A switch: on/off (true/false, 1/0, yes/no too), blank counting as unset. */
const onOff = (fallback: boolean) =>
  z.preprocess(
    (v) => {
      const raw = blankAsUnset(v);
      if (typeof raw !== 'string') return raw;
      const word = raw.trim().toLowerCase();
      if (['on', 'true', '1', 'yes'].includes(word)) return true;
      if (['off', 'false', '0', 'no'].includes(word)) return false;
      return raw;
    },
    z.boolean({ message: 'on or off' }).default(fallback),
  );

const nonNegativeInt = (fallback: number) =>
  z.preprocess(blankAsUnset, z.coerce.number().int().min(0).default(fallback));

const envSchema = z.object({
  /** Slack bot token (xoxb-…). Required to run the bot. */
  SLACK_BOT_TOKEN: optionalString,
  /** Slack signing secret; Bolt verifies every request with it. Required to run the bot. */
  SLACK_SIGNING_SECRET: optionalString,
  /** App-level token (xapp-…); when set, Socket Mode is used instead of HTTP. Default: unset. */
  SLACK_APP_TOKEN: optionalString,
  /** Base URL of the Slack Web API (GovSlack, tests). Default: Slack's own. */
  SLACK_API_URL: optionalString.pipe(z.url().optional()),
  /** HTTP port for /slack/events, /healthz and /metrics. Default 3000. */
  PORT: z.preprocess(blankAsUnset, z.coerce.number().int().min(0).max(65535).default(3000)),
  /** Serve /metrics on this port instead of PORT (which then no longer serves it), so it need not be public. Default: unset. */
  METRICS_PORT: z.preprocess(blankAsUnset, z.coerce.number().int().min(0).max(65535).optional()),
  /** Model provider key, read by the Anthropic SDK. Unset: the offline model answers (made up locally, not by Claude). */
  ANTHROPIC_API_KEY: optionalString,
  /** Model provider base URL, as the Anthropic SDK reads it. Default: the SDK's. */
  ANTHROPIC_BASE_URL: optionalString.pipe(z.url().optional()),
  /** How long the offline model (no ANTHROPIC_API_KEY) takes to answer one call, in ms, jittered ±40%; 0 answers at once. Default 1500. */
  OFFLINE_MODEL_LATENCY_MS: nonNegativeInt(1_500),
  /** Status and summary show stages, states, tokens and cost in Slack's table block ("false": as text). Default true. */
  SLACK_TABLE_BLOCKS: z.preprocess(blankAsUnset, z.enum(['true', 'false']).default('true')),
  /** Model used by every role. Default claude-sonnet-5-5. */
  PIPEWRIGHT_MODEL: optionalString.default('claude-sonnet-5-5'),
  /** Redis for state, memory and queues. Default redis://127.0.0.1:6379. */
  REDIS_URL: optionalString.pipe(z.string().default('redis://127.0.0.1:6379')),
  /** Prefix of every Redis key Pipewright writes, queues included. Default "pw". */
  REDIS_KEY_PREFIX: optionalString.pipe(
    z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, "_", "." or "-" only')
      .default('pw'),
  ),
  /** Comma-separated Slack user IDs allowed to approve gated stages. Default: unset, the requester may. */
  APPROVER_IDS: optionalString,
  /** A Slack user group id (S…) whose members may approve gated stages, looked up with usergroups.users.list. Default: unset. */
  APPROVER_GROUP: optionalString.pipe(
    z
      .string()
      .regex(/^S[A-Z0-9]{2,30}$/, 'a Slack user group id, like S0123ABCD')
      .optional(),
  ),
  /** Distinct approvers a gate needs before its stage runs. Default 1. */
  APPROVALS_REQUIRED: z.preprocess(blankAsUnset, z.coerce.number().int().min(1).max(20).default(1)),
  /** Whether the requester may approve their own project's gates (when they are an approver). Default true. */
  ALLOW_SELF_APPROVAL: z.preprocess(
    blankAsUnset,
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'], 'true or false')
      .default('true')
      .transform((v) => v === 'true' || v === '1' || v === 'yes'),
  ),
  /** Hours a gate waits for its approvals before it expires (reminder at half time); fractions allowed. Default 72. */
  GATE_TIMEOUT_HOURS: z.preprocess(blankAsUnset, z.coerce.number().positive().max(8_760).default(72)),
  /** Stages of one project that may run at once. Default 3. */
  PROJECT_CONCURRENCY: positiveInt(3),
  /** Stage jobs one worker process runs at once, across projects. Default 8. */
  WORKER_CONCURRENCY: positiveInt(8),
  /** Clarification rounds before Pipewright proceeds with stated defaults. Default 3. */
  CLARIFY_MAX_ROUNDS: positiveInt(3),
  /** Attempts per model job (first try included) before a stage is marked failed. Default 3. */
  STAGE_ATTEMPTS: positiveInt(3),
  /** Model tried once more after a stage's attempts are spent; its result is marked degraded. Default claude-haiku-5-5; "none" turns it off. */
  PIPEWRIGHT_FALLBACK_MODEL: optionalString.default('claude-haiku-5-5'),
  /** Base delay of the exponential backoff between attempts of a model job, in ms (jittered; never below retry-after). Default 2000. */
  STAGE_BACKOFF_MS: positiveInt(2_000),
  /** Lock on a running job; a worker that dies loses its jobs to another after about this long. Default 30000. */
  JOB_LOCK_MS: positiveInt(30_000),
  /** Consecutive model-provider failures (429/5xx/timeouts), across all workers, that open the circuit breaker. Default 5. */
  BREAKER_FAILURE_THRESHOLD: positiveInt(5),
  /** How long the breaker stays open before one probe call is let through, in ms. Default 30000. */
  BREAKER_OPEN_MS: positiveInt(30_000),
  /** Tokens of one upstream deliverable placed in a stage prompt; longer ones go in as their summary. Default 6000. */
  STAGE_INPUT_TOKEN_BUDGET: positiveInt(6_000),
  /** Where the project's files are committed, on a branch per project, and pushed (any URL git pushes to; credentials in it are never shown). Default: unset, no push. */
  DELIVERABLES_GIT_URL: optionalString.refine((v) => v === undefined || !v.startsWith('-'), {
    message: 'a git URL or path (it may not start with "-")',
  }),
  /** Author and committer of those commits, "Name <email>". Default "Pipewright <pipewright@users.noreply.local>". */
  DELIVERABLES_GIT_AUTHOR: optionalString.pipe(
    z
      .string()
      .regex(/^[^<>\n]+ <[^<>\s]+>$/, 'like "Name <email>"')
      .default('Pipewright <pipewright@users.noreply.local>'),
  ),
  /** Longest one git command of that push may take, in ms. Default 60000. */
  DELIVERABLES_GIT_TIMEOUT_MS: positiveInt(60_000),
  /** Task-history entries kept per role and workspace. Default 50. */
  MEMORY_HISTORY_CAP: positiveInt(50),
  /** Insights kept per role and workspace (the least valuable go first). Default 200. */
  MEMORY_INSIGHT_CAP: positiveInt(200),
  /** Days a message between agents stays unread before it expires. Default 14. */
  MEMORY_MESSAGE_TTL_DAYS: positiveInt(14),
  /** Tokens of remembered items (history, insights, messages) put in a stage prompt. Default 1500. */
  MEMORY_TOKEN_BUDGET: positiveInt(1_500),
  /** Price table override, JSON: {"<model>": {"input": $/Mtok, "output": …, "cacheRead": …, "cacheWrite": …}}. Default: built-in table. */
  MODEL_PRICES: optionalString,
  /** Independent review of every stage against its checklist, with one revision round (on/off). Default on. */
  REVIEW: onOff(true),
  /** Checklist coverage under which a reviewed stage goes back to its author once (0–1). Default 0.8. */
  REVIEW_MIN_COVERAGE: z.preprocess(blankAsUnset, z.coerce.number().min(0).max(1).default(0.8)),
  /** The reviewer's model. Default: PIPEWRIGHT_MODEL. */
  REVIEW_MODEL: optionalString,
  /** Retries the Anthropic SDK makes inside one attempt (429/5xx, honouring retry-after). Default 2. */
  MODEL_MAX_RETRIES: nonNegativeInt(2),
  /** How long a model request may take to start answering, in ms (answers stream, so a long one is not cut off). Default 120000. */
  MODEL_TIMEOUT_MS: positiveInt(120_000),
  ...modelOutputEnv,
  /** Parallel lanes of Slack writes; a thread always uses the same lane, so its messages stay in order. Default 8. */
  OUTBOX_SHARDS: positiveInt(8),
  /** Minimum spacing of messages Pipewright posts in one channel, in ms, shared by every bot replica (Slack allows about one a second). 0 turns pacing off. Default 1000. */
  SLACK_CHANNEL_POST_INTERVAL_MS: nonNegativeInt(1_000),
  /** Messages that may go out back to back in one channel before that spacing applies. Default 3. */
  SLACK_CHANNEL_POST_BURST: positiveInt(3),
  /** What one project may spend on the model, in US dollars, before it pauses and asks (Raise budget / Stop). Default 10. */
  PROJECT_BUDGET_USD: positiveUsd(10),
  /** What one workspace may spend on the model in a UTC day, in US dollars, before runs pause and ask. Default 100. */
  WORKSPACE_DAILY_BUDGET_USD: positiveUsd(100),
  /** Open projects one person may have at once; the next request is refused, naming the open ones. Default 5. */
  MAX_OPEN_PROJECTS_PER_USER: positiveInt(5),
  /** Timeout of one Slack Web API request, in ms; a write cut off by it is looked up in the thread before it is sent again. Default 10000. */
  SLACK_API_TIMEOUT_MS: positiveInt(10_000),
  /** Days a finished project (its record, thread-message records and deliverables) is kept after its last change; fractions allowed, at most 36500. Default 90. */
  PROJECT_RETENTION_DAYS: z.preprocess(blankAsUnset, z.coerce.number().positive().max(36_500).default(90)),
  /** Slack agent sessions (agents.sessions.setStatus, Slack's Stop button) for every project thread; off for workspaces without the feature. Default on. */
  AGENT_SESSIONS: onOff(true),
  /** The live status as Slack's plan and task cards (chat.startStream), where the workspace offers them; off, or where refused: the status message edited in place. Default on. */
  TASK_CARDS: onOff(true),
  /** Least time between two updates of one project's task cards, in ms (chat.appendStream). Default 3000. */
  TASK_CARD_INTERVAL_MS: nonNegativeInt(3_000),
  /** Least time between two refreshes of one person's App Home after their projects change, in ms (Slack's views.publish is Tier 4, per workspace). Default 10000. */
  HOME_REFRESH_INTERVAL_MS: positiveInt(10_000),
  /** pino level. Default info. */
  LOG_LEVEL: optionalString.pipe(
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
});

export type ProcessRole = 'all' | 'bot' | 'worker';

export interface Config {
  slack: {
    botToken: string | undefined;
    signingSecret: string | undefined;
    appToken: string | undefined;
    apiUrl: string | undefined;
    /** Timeout of one Web API request (SLACK_API_TIMEOUT_MS). */
    timeoutMs: number;
  };
  port: number;
  /** Where /metrics is served when not on `port` (METRICS_PORT); undefined: on `port`. */
  metricsPort: number | undefined;
  anthropic: {
    apiKey: string | undefined;
    baseUrl: string | undefined;
    model: string;
    /** Undefined when turned off. */
    fallbackModel: string | undefined;
    maxRetries: number;
    timeoutMs: number;
  };
  /** The offline model answers when there is no ANTHROPIC_API_KEY; every bot message then says so. */
  offlineModel: { inUse: boolean; latencyMs: number };
  /** Output limits by role, effort by kind of call, progress recording (config-model.ts). */
  modelOutput: ModelOutputConfig;
  /** Table blocks in status and summary (SLACK_TABLE_BLOCKS); the outbox still falls back to text if Slack refuses one. */
  tableBlocks: boolean;
  jobs: { backoffMs: number; lockMs: number };
  breaker: { failureThreshold: number; openMs: number };
  stageInputTokenBudget: number;
  /** Independent review of stages (REVIEW, REVIEW_MIN_COVERAGE, REVIEW_MODEL). */
  review: { enabled: boolean; minCoverage: number; model: string | undefined };
  /** DELIVERABLES_GIT_*: where the project's files are pushed; undefined: they are not. */
  deliverablesGit: { url: string; authorName: string; authorEmail: string; timeoutMs: number } | undefined;
  outboxShards: number;
  /** Pacing of chat.postMessage per channel (memory/channel-pacer.ts). */
  channelPace: { intervalMs: number; burst: number };
  /** How long a finished project's keys live after its last change, in ms (PROJECT_RETENTION_DAYS). */
  projectRetentionMs: number;
  memory: { historyCap: number; insightCap: number; messageTtlMs: number; tokenBudget: number };
  /** Raw MODEL_PRICES JSON, parsed by agents/pricing.ts. */
  modelPricesJson: string | undefined;
  redis: { url: string; keyPrefix: string };
  approverIds: string[];
  /** Who may decide gates besides APPROVER_IDS, how many must approve, and how long a gate waits. */
  approvals: {
    /** APPROVER_GROUP: a Slack user group whose members may approve. */
    groupId: string | undefined;
    /** APPROVALS_REQUIRED: distinct approvers a gate needs. */
    required: number;
    /** ALLOW_SELF_APPROVAL: whether the requester may approve their own project's gates. */
    allowSelfApproval: boolean;
    /** GATE_TIMEOUT_HOURS, in ms (at least 1): a gate not approved by then expires. */
    gateTimeoutMs: number;
  };
  /** Spending ceilings (DESIGN.md, "Spending"). */
  budgets: { projectUsd: number; workspaceDailyUsd: number };
  maxOpenProjectsPerUser: number;
  /** Least time between two refreshes of one person's App Home (HOME_REFRESH_INTERVAL_MS). */
  homeRefreshIntervalMs: number;
  projectConcurrency: number;
  workerConcurrency: number;
  clarifyMaxRounds: number;
  stageAttempts: number;
  /** Slack's agent surfaces used (AGENT_SESSIONS, TASK_CARDS, TASK_CARD_INTERVAL_MS). */
  features: { agentSessions: boolean; taskCards: boolean; taskCardIntervalMs: number };
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
}

/** Parses the environment once. Throws ConfigError listing every bad variable and how to fix it. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid environment:\n${lines.join('\n')}\nSee .env.example for every variable.`);
  }
  const e = parsed.data;
  if (e.METRICS_PORT !== undefined && e.METRICS_PORT !== 0 && e.METRICS_PORT === e.PORT) {
    throw new ConfigError(
      'invalid environment:\n  METRICS_PORT: must differ from PORT; leave it unset to serve /metrics on PORT\nSee .env.example for every variable.',
    );
  }
  const approverIds = (e.APPROVER_IDS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const approvalProblem = approvalsProblem(
    approverIds,
    e.APPROVER_GROUP,
    e.APPROVALS_REQUIRED,
    e.ALLOW_SELF_APPROVAL,
  );
  if (approvalProblem) {
    throw new ConfigError(`invalid environment:\n  ${approvalProblem}\nSee .env.example for every variable.`);
  }
  const slackApiUrl =
    e.SLACK_API_URL && !e.SLACK_API_URL.endsWith('/') ? `${e.SLACK_API_URL}/` : e.SLACK_API_URL;
  return {
    slack: {
      botToken: e.SLACK_BOT_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET,
      appToken: e.SLACK_APP_TOKEN,
      apiUrl: slackApiUrl,
      timeoutMs: e.SLACK_API_TIMEOUT_MS,
    },
    port: e.PORT,
    metricsPort: e.METRICS_PORT,
    anthropic: {
      apiKey: e.ANTHROPIC_API_KEY,
      baseUrl: e.ANTHROPIC_BASE_URL,
      model: e.PIPEWRIGHT_MODEL,
      fallbackModel: e.PIPEWRIGHT_FALLBACK_MODEL === 'none' ? undefined : e.PIPEWRIGHT_FALLBACK_MODEL,
      maxRetries: e.MODEL_MAX_RETRIES,
      timeoutMs: e.MODEL_TIMEOUT_MS,
    },
    offlineModel: { inUse: e.ANTHROPIC_API_KEY === undefined, latencyMs: e.OFFLINE_MODEL_LATENCY_MS },
    modelOutput: modelOutputConfig(e),
    tableBlocks: e.SLACK_TABLE_BLOCKS === 'true',
    redis: { url: e.REDIS_URL, keyPrefix: e.REDIS_KEY_PREFIX },
    jobs: { backoffMs: e.STAGE_BACKOFF_MS, lockMs: e.JOB_LOCK_MS },
    breaker: { failureThreshold: e.BREAKER_FAILURE_THRESHOLD, openMs: e.BREAKER_OPEN_MS },
    stageInputTokenBudget: e.STAGE_INPUT_TOKEN_BUDGET,
    review: { enabled: e.REVIEW, minCoverage: e.REVIEW_MIN_COVERAGE, model: e.REVIEW_MODEL },
    deliverablesGit: e.DELIVERABLES_GIT_URL
      ? {
          url: e.DELIVERABLES_GIT_URL,
          authorName: e.DELIVERABLES_GIT_AUTHOR.replace(/\s*<.*$/, ''),
          authorEmail: /<([^>]+)>/.exec(e.DELIVERABLES_GIT_AUTHOR)?.[1] ?? 'pipewright@users.noreply.local',
          timeoutMs: e.DELIVERABLES_GIT_TIMEOUT_MS,
        }
      : undefined,
    outboxShards: e.OUTBOX_SHARDS,
    channelPace: { intervalMs: e.SLACK_CHANNEL_POST_INTERVAL_MS, burst: e.SLACK_CHANNEL_POST_BURST },
    // A Redis TTL in whole ms, at least 1: a fractional day count (tests) still makes a real expiry.
    projectRetentionMs: Math.max(1, Math.round(e.PROJECT_RETENTION_DAYS * 24 * 60 * 60 * 1000)),
    memory: {
      historyCap: e.MEMORY_HISTORY_CAP,
      insightCap: e.MEMORY_INSIGHT_CAP,
      messageTtlMs: e.MEMORY_MESSAGE_TTL_DAYS * 24 * 60 * 60 * 1000,
      tokenBudget: e.MEMORY_TOKEN_BUDGET,
    },
    modelPricesJson: e.MODEL_PRICES,
    approverIds,
    approvals: {
      groupId: e.APPROVER_GROUP,
      required: e.APPROVALS_REQUIRED,
      allowSelfApproval: e.ALLOW_SELF_APPROVAL,
      // Whole ms, at least 1: a fractional hour count (tests) still makes a real timer.
      gateTimeoutMs: Math.max(1, Math.round(e.GATE_TIMEOUT_HOURS * 60 * 60 * 1000)),
    },
    budgets: { projectUsd: e.PROJECT_BUDGET_USD, workspaceDailyUsd: e.WORKSPACE_DAILY_BUDGET_USD },
    maxOpenProjectsPerUser: e.MAX_OPEN_PROJECTS_PER_USER,
    homeRefreshIntervalMs: e.HOME_REFRESH_INTERVAL_MS,
    projectConcurrency: e.PROJECT_CONCURRENCY,
    workerConcurrency: e.WORKER_CONCURRENCY,
    clarifyMaxRounds: e.CLARIFY_MAX_ROUNDS,
    stageAttempts: e.STAGE_ATTEMPTS,
    features: {
      agentSessions: e.AGENT_SESSIONS,
      taskCards: e.TASK_CARDS,
      taskCardIntervalMs: e.TASK_CARD_INTERVAL_MS,
    },
    logLevel: e.LOG_LEVEL,
  };
}

/**
 * Approval settings no gate could ever satisfy: more approvers required than can exist, or self-approval
 * off with nobody but the requester to approve. Said at start-up rather than discovered at a gate.
 */
function approvalsProblem(
  approverIds: readonly string[],
  groupId: string | undefined,
  required: number,
  allowSelfApproval: boolean,
): string | undefined {
  if (approverIds.length === 0 && groupId === undefined) {
    if (required > 1)
      return `APPROVALS_REQUIRED: ${required} approvers cannot be found when only the requester may approve; set APPROVER_IDS or APPROVER_GROUP`;
    if (!allowSelfApproval)
      return 'ALLOW_SELF_APPROVAL: with it false and no APPROVER_IDS or APPROVER_GROUP, nobody could approve a gate';
  } else if (groupId === undefined && required > approverIds.length) {
    return `APPROVALS_REQUIRED: ${required} distinct approvers are needed but APPROVER_IDS names ${approverIds.length}`;
  }
  return undefined;
}

/** What each process role cannot start without. Returns the missing variables, with why. */
export function missingCredentials(config: Config, role: ProcessRole): string[] {
  const missing: string[] = [];
  if (role !== 'worker') {
    if (!config.slack.botToken)
      missing.push('SLACK_BOT_TOKEN (the bot token, xoxb-…, from OAuth & Permissions)');
    // Socket Mode receives over an authenticated WebSocket: no request signatures to verify.
    if (!config.slack.signingSecret && !config.slack.appToken)
      missing.push('SLACK_SIGNING_SECRET (from Basic Information → App Credentials)');
  }
  // No ANTHROPIC_API_KEY is not missing: the offline model answers instead (src/agents/model/offline).
  return missing;
}
