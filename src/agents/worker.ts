import { hostname } from 'node:os';
import { DelayedError, type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { assertNever } from '../domain/assert-never.js';
import { asPipewrightError, BudgetExceededError, PipewrightError } from '../domain/errors.js';
import { agentJobKey, eventIds } from '../domain/ids.js';
import { type AgentJob, agentJobSchema } from '../domain/jobs.js';
import {
  DEFAULT_EFFORT,
  DEFAULT_STAGE_LIMITS,
  type EffortTable,
  effortFor,
  type StageOutputLimits,
} from '../domain/model-output.js';
import { staleReason } from '../domain/phases.js';
import type { Project } from '../domain/project.js';
import { reportIncident } from '../memory/incidents.js';
import type { KeySpace } from '../memory/keys.js';
import { QUEUE_NAMES, type Queues } from '../memory/queues.js';
import type { CancelWatch } from '../memory/run-cancels.js';
import type { StageProgressReporter } from '../memory/stage-progress.js';
import { backoffDelay } from './backoff.js';
import {
  type AgentMetrics,
  type BudgetLedger,
  type DeliverableReader,
  type EventSink,
  type FilesPublisher,
  type ProjectReader,
  projectSpendGuard,
  queueEventSink,
  type StageMemory,
  type StageWorkLog,
} from './dependencies.js';
import type { JobContext, JobSettings } from './jobs/entry.js';
import { agentJobEntry } from './jobs/table.js';
import { BreakerOpenError, ModelCallError } from './model/errors.js';
import type { ModelProvider } from './model/provider.js';

/** What running one agent job needs; every part is an interface, so tests can hand in fakes. */
export interface AgentJobDeps extends Omit<JobSettings, 'stageLimits' | 'effort'> {
  /** Default: 32,000 output tokens for every role. */
  stageLimits?: StageOutputLimits;
  /** Default: DEFAULT_EFFORT (model-output.ts). */
  effort?: EffortTable;
  /** Where stages record how far they are; none: the status shows no progress. */
  progress?: StageProgressReporter;
  projects: ProjectReader;
  deliverables: DeliverableReader;
  memory: StageMemory;
  stageWork: StageWorkLog;
  events: EventSink;
  /** Where spending is reserved and settled, call by call. */
  ledger: BudgetLedger;
  provider: ModelProvider;
  /** Tried once when the default model has failed every attempt; undefined turns it off. */
  fallbackModel: string | undefined;
  keys: KeySpace;
  logger: Logger;
  metrics: AgentMetrics;
  /** A project's budget when its record has none (PROJECT_BUDGET_USD). */
  projectBudgetUsd: number;
  /** Commits the project's files before the summary (DELIVERABLES_GIT_URL); absent: not configured. */
  filesPublisher?: FilesPublisher;
  /** Hears when a project's run is cancelled, so its calls in flight are aborted; none: never aborted. */
  cancels?: { watch(projectId: string): CancelWatch };
}

export interface AgentWorkerDeps extends Omit<AgentJobDeps, 'events'> {
  connection: Redis;
  /** Results go to the orchestrator's queue; incidents straight to the thread's outbox. */
  queues: Queues;
  concurrency: number;
  backoffMs: number;
  lockMs: number;
}

/** Which process produced a deliverable: shown in the report, and how tests see work spread over workers. */
export const WORKER_ID = `${hostname()}:${process.pid}`;

/**
 * Runs model work: one clarification round, the plan, one stage, or the summary. Results go back to the
 * orchestrator as events; this worker never changes a project record itself.
 */
export function startAgentWorker(deps: AgentWorkerDeps): Worker<AgentJob> {
  const jobDeps: AgentJobDeps = { ...deps, events: queueEventSink(deps.queues) };
  const worker = new Worker<AgentJob>(QUEUE_NAMES.agents, (job, token) => processJob(jobDeps, job, token), {
    connection: deps.connection,
    prefix: deps.keys.bull,
    concurrency: deps.concurrency,
    lockDuration: deps.lockMs,
    stalledInterval: deps.lockMs,
    settings: {
      // Exponential with jitter, and never sooner than the provider's retry-after.
      backoffStrategy: (attemptsMade: number, _type?: string, err?: Error) =>
        backoffDelay(
          attemptsMade,
          deps.backoffMs,
          err instanceof ModelCallError ? err.retryAfterMs : undefined,
        ),
    },
  });
  worker.on('error', (err) => deps.logger.error({ err }, 'agent worker error'));
  // Failures of model calls are reported as events; this catches the rest (an unreadable project, say).
  worker.on('failed', (job, err) => {
    if (!job || err instanceof DelayedError) return;
    const final = err instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
    deps.logger.error({ err, jobId: job.id, final }, 'agent job failed outside the model call');
    if (!final) return;
    reportIncident(
      deps.queues,
      job.data.projectId,
      String(job.id),
      `The ${job.data.kind} step could not run (${err.message.slice(0, 200)}). Nothing was changed; an operator can find the details in the logs under project ${job.data.projectId}.`,
    ).catch((e: unknown) => deps.logger.error({ err: e }, 'could not report the failure in the thread'));
  });
  return worker;
}

/** What BullMQ should do with a job, from how its run ended. */
async function processJob(deps: AgentJobDeps, job: Job<AgentJob>, token: string | undefined): Promise<void> {
  const attempt = { jobId: job.id, attempt: job.attemptsMade + 1, maxAttempts: job.opts.attempts ?? 1 };
  const outcome = await runAgentJob(deps, job.data, attempt);
  switch (outcome.status) {
    case 'dropped':
    case 'done':
    case 'held':
    case 'failed':
      return;
    case 'delayed':
      await job.moveToDelayed(outcome.retryAt, token);
      throw new DelayedError();
    case 'retry':
      throw outcome.error;
    default:
      assertNever(outcome);
  }
}

/** Which try of a queued job this is. */
export interface QueuedAttempt {
  jobId: string | undefined;
  /** From 1. */
  attempt: number;
  maxAttempts: number;
}

/** How one try of a job ended. */
export type AgentJobOutcome =
  /** Malformed, its project gone, or no longer wanted: nothing was called or reported. */
  | { status: 'dropped'; reason: string }
  /** It ran and reported its result; `fallback` names the fallback model when that produced it. */
  | { status: 'done'; fallback?: string }
  /** A call was held back at the budget and `budget_exceeded` reported: the run pauses and asks. */
  | { status: 'held' }
  /** The breaker is open: try again at `retryAt` without spending an attempt. */
  | { status: 'delayed'; retryAt: number }
  /** Failed with attempts left: the queue retries it with backoff. */
  | { status: 'retry'; error: PipewrightError }
  /** Failed for good (after the fallback model, where it was worth a try) and reported as failed. */
  | { status: 'failed'; error: PipewrightError };

/**
 * One try of one job: drops it when it is no longer wanted, runs its entry, and decides what a failure
 * means. Errors outside the model work (an unreadable project, a report that cannot be enqueued) are thrown.
 */
export async function runAgentJob(
  deps: AgentJobDeps,
  data: unknown,
  queued: QueuedAttempt,
): Promise<AgentJobOutcome> {
  const parsed = agentJobSchema.safeParse(data);
  if (!parsed.success) {
    deps.logger.error({ jobId: queued.jobId, issues: parsed.error.issues }, 'dropping malformed agent job');
    return { status: 'dropped', reason: 'malformed' };
  }
  const job = parsed.data;
  const log = deps.logger.child({ projectId: job.projectId, job: job.kind, jobId: queued.jobId });
  const project = await deps.projects.get(job.projectId).catch((err: unknown) => {
    // A record that does not parse will not parse on the next attempt either.
    if (err instanceof PipewrightError && !err.retryable) throw new UnrecoverableError(err.message);
    throw err;
  });
  if (!project) {
    log.warn('project no longer exists; dropping job');
    return { status: 'dropped', reason: 'project no longer exists' };
  }
  const stale = staleReason(project, job);
  if (stale) {
    // Cancelled, stopped or superseded since it was queued: never pay for a model call nobody will use.
    log.info({ reason: stale }, 'dropping agent job that is no longer wanted');
    return { status: 'dropped', reason: stale };
  }
  const watch = deps.cancels?.watch(job.projectId);
  try {
    return await runWanted(deps, job, project, queued, log, watch?.signal);
  } finally {
    watch?.release();
    // The try is over, however it ended: its progress is no longer news (a retry reports afresh).
    if (job.kind === 'stage') await deps.progress?.clear(job.projectId, job.stageId, job.attempt);
  }
}

async function runWanted(
  deps: AgentJobDeps,
  job: AgentJob,
  project: Project,
  queued: QueuedAttempt,
  log: Logger,
  cancelled: AbortSignal | undefined,
): Promise<AgentJobOutcome> {
  const entry = agentJobEntry(job.kind);
  const run = (model: string | undefined) =>
    entry.run(jobContext(deps, job, project, queued.attempt, model, log, cancelled), project, job);
  const timer = deps.metrics.stageDuration.startTimer({ role: entry.role(project, job) });
  try {
    await run(undefined);
    timer({ outcome: 'ok' });
    deps.metrics.modelCalls.inc({ outcome: 'ok' });
    return { status: 'done' };
  } catch (raw) {
    if (cancelled?.aborted) {
      // The run was cancelled while the call was in flight: it was aborted, and nothing is reported.
      timer({ outcome: 'cancelled' });
      deps.metrics.modelCalls.inc({ outcome: 'cancelled' });
      log.info('model call aborted: the run was cancelled; its result is discarded');
      return { status: 'dropped', reason: 'the run was cancelled' };
    }
    if (raw instanceof BudgetExceededError) {
      // Not a failure: the run pauses before a call it cannot afford and asks whether to spend more.
      timer({ outcome: 'budget' });
      return reportBudgetHold(deps, job, raw, log);
    }
    if (raw instanceof BreakerOpenError) {
      // The provider is down for everyone: wait for the breaker without spending one of this job's attempts.
      timer({ outcome: 'delayed' });
      deps.metrics.modelCalls.inc({ outcome: 'delayed' });
      log.info({ retryAt: new Date(raw.retryAt).toISOString() }, 'circuit breaker open; job delayed');
      return { status: 'delayed', retryAt: raw.retryAt };
    }
    const err = asPipewrightError(raw);
    const final = !err.retryable || queued.attempt >= queued.maxAttempts;
    log.warn({ err, attempt: queued.attempt, maxAttempts: queued.maxAttempts, final }, 'agent job failed');
    timer({ outcome: final ? 'failed' : 'retry' });
    deps.metrics.modelCalls.inc({ outcome: final ? 'failed' : 'retry' });
    if (!final) return { status: 'retry', error: err };
    // One more try with the fallback model, for errors another model might not have.
    const fallback = deps.fallbackModel;
    const worthIt = err.retryable || err.code === 'model_output_invalid';
    if (fallback && fallback !== deps.provider.model && worthIt) {
      try {
        await run(fallback);
        log.warn({ fallback }, 'fallback model produced the result');
        deps.metrics.modelCalls.inc({ outcome: 'fallback' });
        return { status: 'done', fallback };
      } catch (fallbackErr) {
        if (fallbackErr instanceof BreakerOpenError)
          return { status: 'delayed', retryAt: fallbackErr.retryAt };
        if (fallbackErr instanceof BudgetExceededError) return reportBudgetHold(deps, job, fallbackErr, log);
        log.warn({ err: fallbackErr, fallback }, 'fallback model failed too');
      }
    }
    await deps.events.enqueue(entry.failed(job, err.message));
    return { status: 'failed', error: err };
  }
}

function jobContext(
  deps: AgentJobDeps,
  job: AgentJob,
  project: Project,
  attempt: number,
  model: string | undefined,
  log: Logger,
  cancelled: AbortSignal | undefined,
): JobContext {
  // The fallback model is asked without an effort: it may be one that does not take the parameter.
  const effort = model === undefined ? effortFor(deps.effort ?? DEFAULT_EFFORT, job.kind) : undefined;
  return {
    provider: deps.provider,
    events: deps.events,
    deliverables: deps.deliverables,
    memory: deps.memory,
    stageWork: deps.stageWork,
    keys: deps.keys,
    settings: {
      clarifyMaxRounds: deps.clarifyMaxRounds,
      inputTokenBudget: deps.inputTokenBudget,
      memoryTokenBudget: deps.memoryTokenBudget,
      review: deps.review,
      stageLimits: deps.stageLimits ?? DEFAULT_STAGE_LIMITS,
      effort: deps.effort ?? DEFAULT_EFFORT,
    },
    log,
    workerId: WORKER_ID,
    attempt,
    model,
    spend: projectSpendGuard(deps.ledger, project, deps.projectBudgetUsd),
    ...(cancelled ? { cancelled } : {}),
    ...(effort ? { effort } : {}),
    ...(deps.progress ? { progress: deps.progress } : {}),
    ...(deps.filesPublisher ? { filesPublisher: deps.filesPublisher } : {}),
  };
}

/** Tells the orchestrator a call was held back at the budget; it pauses the run and asks. */
async function reportBudgetHold(
  deps: AgentJobDeps,
  job: AgentJob,
  err: BudgetExceededError,
  log: Logger,
): Promise<AgentJobOutcome> {
  log.info(
    { scope: err.scope, spentUsd: err.spentUsd, limitUsd: err.limitUsd, callUsd: err.callUsd },
    'model call held at the budget',
  );
  deps.metrics.modelCalls.inc({ outcome: 'budget' });
  await deps.events.enqueue({
    type: 'budget_exceeded',
    eventId: eventIds.budgetExceeded(job.projectId, agentJobKey(job)),
    projectId: job.projectId,
    scope: err.scope,
    job,
    spentUsd: err.spentUsd,
    limitUsd: err.limitUsd,
    callUsd: err.callUsd,
  });
  return { status: 'held' };
}
