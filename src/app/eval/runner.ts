import { Redis } from 'ioredis';
import type { Deliverable } from '../../domain/deliverable.js';
import type { Project } from '../../domain/project.js';
import { DeliverableStore } from '../../memory/deliverables.js';
import { keySpace } from '../../memory/keys.js';
import { ProjectStore } from '../../memory/project-store.js';
import {
  PLAYGROUND_CHANNEL_IDS,
  PLAYGROUND_TEAM,
  PLAYGROUND_USER_IDS,
} from '../../playground/slack-api/index.js';
import { loadConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { startPlayground } from '../playground.js';
import { type Driven, type DriveTarget, driveRequest } from './driver.js';
import type { EvalRequest } from './requests.js';
import { type EvalResults, evalResultsSchema, type RequestResult } from './results.js';
import { overallTotals, projectManagerUsage, requestTotals, roleSummaries, stageRows } from './rows.js';

/**
 * `npm run eval`: starts what the playground starts (a private redis-server unless REDIS_URL, the Slack
 * stand-in, the app with its workers) under its own key prefix, runs each request end to end against the
 * configured model, and reads what every stage delivered back from Redis.
 *
 * Requests run one after another: the playground has one channel and Slack's per-channel posting limit
 * is shared by every run in it, so parallel runs would mostly wait on each other; with a real key, one at a
 * time also keeps within the API's rate limits and makes each run's time and cost its own.
 */

export interface EvalOptions {
  env: NodeJS.ProcessEnv;
  requests: readonly EvalRequest[];
  /** How long one request may take before it is recorded as timed out. */
  requestTimeoutMs: number;
  logger: Logger;
  /**
   * Slack's per-channel posting pace, in ms between posts, for the stand-in and the bot alike (default:
   * Slack's own, about one a second). The CI check lowers it: pacing is not what the eval measures.
   */
  slackPostIntervalMs?: number;
  /** Aborted on Ctrl+C: the running request is cancelled, the rest are not started, the app stops. */
  signal?: AbortSignal;
  /** Called as each request ends, so a long run shows progress. */
  onResult?: (result: RequestResult) => void;
}

/** The eval's own Redis keys: a playground's or a real bot's on the same REDIS_URL are never touched. */
export const EVAL_KEY_PREFIX = 'pweval';
/** The offline model's thinking time in the eval: enough to interleave like a real run, short enough for CI. */
export const EVAL_OFFLINE_LATENCY_MS = '50';

const POST_BURST = 3;

/** The environment the eval's app runs with: the caller's, with the eval's workspace, people and port. */
export function evalEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    ...env,
    PORT: '0',
    METRICS_PORT: '',
    REDIS_KEY_PREFIX: EVAL_KEY_PREFIX,
    // The eval approves gates as the playground's approver, alone.
    APPROVER_IDS: PLAYGROUND_USER_IDS.approver,
    APPROVER_GROUP: '',
    APPROVALS_REQUIRED: '1',
    OFFLINE_MODEL_LATENCY_MS: env.OFFLINE_MODEL_LATENCY_MS || EVAL_OFFLINE_LATENCY_MS,
  };
}

export async function runEval(opts: EvalOptions): Promise<EvalResults> {
  const startedAt = new Date();
  const pace = opts.slackPostIntervalMs;
  const env: NodeJS.ProcessEnv = {
    ...evalEnv(opts.env),
    ...(pace !== undefined
      ? { SLACK_CHANNEL_POST_INTERVAL_MS: String(pace), SLACK_CHANNEL_POST_BURST: String(POST_BURST) }
      : {}),
  };
  // Read here for the model's name; a bad environment fails before anything starts.
  const config = loadConfig(env);
  const playground = await startPlayground(
    env,
    opts.logger,
    pace !== undefined ? { channelPostLimit: { intervalMs: pace, burst: POST_BURST } } : {},
  );
  const redis = new Redis(env.REDIS_URL || playground.localRedis?.url || '', { maxRetriesPerRequest: 3 });
  try {
    const keys = keySpace(EVAL_KEY_PREFIX);
    const projects = new ProjectStore(redis, keys);
    const deliverables = new DeliverableStore(redis, keys);
    const target: DriveTarget = {
      appUrl: `http://127.0.0.1:${playground.system.port}`,
      slackApiUrl: playground.slack.apiUrl,
      botToken: playground.slack.botToken,
      teamId: PLAYGROUND_TEAM.id,
      channelId: PLAYGROUND_CHANNEL_IDS.mlProjects,
      requesterId: PLAYGROUND_USER_IDS.requester,
      approverId: PLAYGROUND_USER_IDS.approver,
      projects,
    };
    const results: RequestResult[] = [];
    for (const request of opts.requests) {
      if (opts.signal?.aborted) break;
      const driven = await driveRequest(target, request, {
        timeoutMs: opts.requestTimeoutMs,
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      const stored = driven.project ? await storedDeliverables(deliverables, driven.project) : new Map();
      const result = requestResult(request, driven, stored);
      results.push(result);
      opts.onResult?.(result);
    }
    return evalResultsSchema.parse({
      version: 1,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      model: {
        offline: playground.offline,
        name: playground.offline ? 'offline' : config.anthropic.model,
      },
      requestTimeoutMs: opts.requestTimeoutMs,
      requests: results,
      roles: roleSummaries(results),
      totals: overallTotals(results),
    } satisfies EvalResults);
  } finally {
    redis.disconnect();
    await playground.stop();
  }
}

/** The deliverable of each planned stage's current attempt, where one was stored. */
async function storedDeliverables(
  store: DeliverableStore,
  project: Project,
): Promise<Map<string, Deliverable>> {
  const found = new Map<string, Deliverable>();
  for (const [stageId, run] of Object.entries(project.stages)) {
    const d = await store.get(project.id, stageId, run.attempt);
    if (d) found.set(stageId, d);
  }
  return found;
}

/** One request's entry in the results: its stage rows, the project manager's share, its totals. */
export function requestResult(
  request: EvalRequest,
  driven: Driven,
  deliverables: ReadonlyMap<string, Deliverable>,
): RequestResult {
  const rows = driven.project ? stageRows(driven.project, deliverables) : [];
  const pm = driven.project ? projectManagerUsage(driven.project, rows) : { calls: 0, tokens: 0, costUsd: 0 };
  return {
    name: request.name,
    kind: request.kind,
    request: request.text,
    outcome: driven.outcome,
    phase: driven.phase,
    problem: driven.problem,
    projectId: driven.projectId,
    durationMs: driven.durationMs,
    goAnswers: driven.goAnswers,
    approvals: driven.approvals,
    stages: rows,
    projectManager: pm,
    totals: requestTotals(rows, pm),
  };
}
