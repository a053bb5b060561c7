import { hostname } from 'node:os';
import { DelayedError, type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Deliverable } from '../domain/deliverable.js';
import { asPipewrightError, BudgetExceededError, PipewrightError } from '../domain/errors.js';
import { agentJobKey, eventIds } from '../domain/ids.js';
import { type AgentJob, agentJobSchema, OUTPUT_TOKEN_LIMITS } from '../domain/jobs.js';
import { staleReason } from '../domain/phases.js';
import { tailoredPlanSchema } from '../domain/plan.js';
import { executiveSummarySchema, type Project, type RunPhase } from '../domain/project.js';
import { clarifyOutputSchema } from '../domain/requirements.js';
import type { RoleId } from '../domain/roles.js';
import type { AgentMemory } from '../memory/agent-memory/index.js';
import type { DeliverableStore } from '../memory/deliverables.js';
import { reportIncident } from '../memory/incidents.js';
import type { KeySpace } from '../memory/keys.js';
import type { ProjectStore } from '../memory/project-store.js';
import { enqueueEvent, QUEUE_NAMES, type Queues } from '../memory/queues.js';
import type { SpendLedger } from '../memory/spend-ledger.js';
import type { Metrics } from '../ops/metrics.js';
import { backoffDelay } from './backoff.js';
import { type MemoryContext, memoryContext, projectTerms } from './memory-context.js';
import type { ModelClient, SpendGuard } from './model-client.js';
import { BreakerOpenError, ModelCallError } from './model-errors.js';
import { clarifyPrompt, planPrompt, stageOutputSchema, stagePrompt, summaryPrompt } from './prompts.js';

export interface AgentWorkerDeps {
  connection: Redis;
  keys: KeySpace;
  queues: Queues;
  projects: ProjectStore;
  deliverables: DeliverableStore;
  model: ModelClient;
  /** Tried once when the default model has failed every attempt; undefined turns it off. */
  fallbackModel: string | undefined;
  logger: Logger;
  concurrency: number;
  clarifyMaxRounds: number;
  inputTokenBudget: number;
  backoffMs: number;
  lockMs: number;
  metrics: Metrics;
  memory: AgentMemory;
  /** Tokens of remembered items (history, insights, messages) placed in a stage prompt. */
  memoryTokenBudget: number;
  /** Where spending is reserved and settled, call by call. */
  ledger: SpendLedger;
  /** A project's budget when its record has none (PROJECT_BUDGET_USD). */
  projectBudgetUsd: number;
}

/** Which process produced a deliverable: shown in the report, and how tests see work spread over workers. */
export const WORKER_ID = `${hostname()}:${process.pid}`;

/**
 * Runs model work: one clarification round, the plan, one stage, or the summary. Results go back to the
 * orchestrator as events; this worker never changes a project record itself.
 */
export function startAgentWorker(deps: AgentWorkerDeps): Worker<AgentJob> {
  const worker = new Worker<AgentJob>(QUEUE_NAMES.agents, (job, token) => processAgentJob(deps, job, token), {
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

async function processAgentJob(
  deps: AgentWorkerDeps,
  job: Job<AgentJob>,
  token: string | undefined,
): Promise<void> {
  const parsed = agentJobSchema.safeParse(job.data);
  if (!parsed.success) {
    deps.logger.error({ jobId: job.id, issues: parsed.error.issues }, 'dropping malformed agent job');
    return;
  }
  const data = parsed.data;
  const log = deps.logger.child({ projectId: data.projectId, job: data.kind, jobId: job.id });
  const project = await deps.projects.get(data.projectId).catch((err: unknown) => {
    // A record that does not parse will not parse on the next attempt either.
    if (err instanceof PipewrightError && !err.retryable) throw new UnrecoverableError(err.message);
    throw err;
  });
  if (!project) {
    log.warn('project no longer exists; dropping job');
    return;
  }
  const stale = staleReason(project, data);
  if (stale) {
    // Cancelled, stopped or superseded since it was queued: never pay for a model call nobody will use.
    log.info({ reason: stale }, 'dropping agent job that is no longer wanted');
    return;
  }
  const attempt = job.attemptsMade + 1;
  const maxAttempts = job.opts.attempts ?? 1;
  const role =
    data.kind === 'stage'
      ? (project.plan?.stages.find((s) => s.id === data.stageId)?.role ?? 'unknown')
      : 'project-manager';
  const timer = deps.metrics.stageDuration.startTimer({ role });
  try {
    await runJob(deps, project, data, { attempt, model: undefined }, log);
    timer({ outcome: 'ok' });
    deps.metrics.modelCalls.inc({ outcome: 'ok' });
  } catch (raw) {
    if (raw instanceof BudgetExceededError) {
      // Not a failure: the run pauses before a call it cannot afford and asks whether to spend more.
      timer({ outcome: 'budget' });
      await reportBudgetHold(deps, data, raw, log);
      return;
    }
    if (raw instanceof BreakerOpenError) {
      // The provider is down for everyone: wait for the breaker without spending one of this job's attempts.
      timer({ outcome: 'delayed' });
      deps.metrics.modelCalls.inc({ outcome: 'delayed' });
      log.info({ retryAt: new Date(raw.retryAt).toISOString() }, 'circuit breaker open; job delayed');
      await job.moveToDelayed(raw.retryAt, token);
      throw new DelayedError();
    }
    const err = asPipewrightError(raw);
    const final = !err.retryable || attempt >= maxAttempts;
    log.warn({ err, attempt, maxAttempts, final }, 'agent job failed');
    timer({ outcome: final ? 'failed' : 'retry' });
    deps.metrics.modelCalls.inc({ outcome: final ? 'failed' : 'retry' });
    if (!final) throw err;
    try {
      if (await tryFallback(deps, project, job, data, attempt, err, log, token)) return;
    } catch (fallbackErr) {
      if (!(fallbackErr instanceof BudgetExceededError)) throw fallbackErr;
      await reportBudgetHold(deps, data, fallbackErr, log);
      return;
    }
    await reportFailure(deps, data, err.message);
  }
}

/** The budget check of one job's requests: the project's ceiling as the job found it, and the workspace's day. */
function spendGuard(deps: AgentWorkerDeps, project: Project): SpendGuard {
  const limitUsd = project.budget?.limitUsd ?? deps.projectBudgetUsd;
  return {
    async reserve(maxUsd) {
      const reservation = await deps.ledger.reserve(project.id, project.teamId, limitUsd, maxUsd);
      return (actualUsd) => deps.ledger.settle(reservation, actualUsd);
    },
  };
}

/** Tells the orchestrator a call was held back at the budget; it pauses the run and asks. */
async function reportBudgetHold(
  deps: AgentWorkerDeps,
  job: AgentJob,
  err: BudgetExceededError,
  log: Logger,
): Promise<void> {
  log.info(
    { scope: err.scope, spentUsd: err.spentUsd, limitUsd: err.limitUsd, callUsd: err.callUsd },
    'model call held at the budget',
  );
  deps.metrics.modelCalls.inc({ outcome: 'budget' });
  await enqueueEvent(deps.queues, {
    type: 'budget_exceeded',
    eventId: eventIds.budgetExceeded(job.projectId, agentJobKey(job)),
    projectId: job.projectId,
    scope: err.scope,
    job,
    spentUsd: err.spentUsd,
    limitUsd: err.limitUsd,
    callUsd: err.callUsd,
  });
}

/** One more try with the fallback model, for errors another model might not have. True when it worked. */
async function tryFallback(
  deps: AgentWorkerDeps,
  project: Project,
  queued: Job<AgentJob>,
  job: AgentJob,
  attempt: number,
  err: PipewrightError,
  log: Logger,
  token: string | undefined,
): Promise<boolean> {
  const fallback = deps.fallbackModel;
  const worthIt = err.retryable || err.code === 'model_output_invalid';
  if (!fallback || fallback === deps.model.model || !worthIt) return false;
  try {
    await runJob(deps, project, job, { attempt, model: fallback }, log);
    log.warn({ fallback }, 'fallback model produced the result');
    deps.metrics.modelCalls.inc({ outcome: 'fallback' });
    return true;
  } catch (raw) {
    if (raw instanceof BreakerOpenError) {
      await queued.moveToDelayed(raw.retryAt, token);
      throw new DelayedError();
    }
    if (raw instanceof BudgetExceededError) throw raw;
    log.warn({ err: raw, fallback }, 'fallback model failed too');
    return false;
  }
}

interface RunOptions {
  attempt: number;
  /** Undefined: the default model. */
  model: string | undefined;
}

async function runJob(
  deps: AgentWorkerDeps,
  project: Project,
  job: AgentJob,
  run: RunOptions,
  log: Logger,
): Promise<void> {
  const base = { projectId: project.id };
  // Every request of this job is priced and checked against the budgets before it is made.
  const model = { ...(run.model ? { model: run.model } : {}), spend: spendGuard(deps, project) };
  switch (job.kind) {
    case 'clarify': {
      const { value, usage } = await deps.model.structured(
        {
          ...clarifyPrompt(project, deps.clarifyMaxRounds),
          maxTokens: OUTPUT_TOKEN_LIMITS.clarify,
          ...model,
        },
        clarifyOutputSchema,
      );
      await enqueueEvent(deps.queues, {
        type: 'clarify_done',
        eventId: doneEventId(job),
        ...base,
        round: job.round,
        output: value,
        usage,
      });
      return;
    }
    case 'plan': {
      const { value, usage } = await deps.model.structured(
        { ...planPrompt(project), maxTokens: OUTPUT_TOKEN_LIMITS.plan, ...model },
        tailoredPlanSchema,
      );
      await enqueueEvent(deps.queues, {
        type: 'plan_done',
        eventId: doneEventId(job),
        ...base,
        round: job.round,
        output: value,
        usage,
      });
      return;
    }
    case 'stage':
      await runStage(deps, project, job, run, log);
      return;
    case 'summary': {
      const inputs = await loadInputs(
        deps.deliverables,
        project,
        (project.plan?.stages ?? []).map((s) => s.id),
      );
      const { value, usage } = await deps.model.structured(
        { ...summaryPrompt(project, inputs), maxTokens: OUTPUT_TOKEN_LIMITS.summary, ...model },
        executiveSummarySchema,
      );
      await enqueueEvent(deps.queues, {
        type: 'summary_done',
        eventId: doneEventId(job),
        ...base,
        round: job.round,
        summary: value,
        usage,
      });
      return;
    }
  }
}

/** Phases in which a finished stage's result is thrown away (a stopped run still keeps what was running). */
const RESULT_UNWANTED_IN: readonly RunPhase[] = ['cancelled', 'forgotten'];

async function runStage(
  deps: AgentWorkerDeps,
  project: Project,
  job: Extract<AgentJob, { kind: 'stage' }>,
  run: RunOptions,
  log: Logger,
): Promise<void> {
  const stage = project.plan?.stages.find((s) => s.id === job.stageId);
  if (!stage) {
    log.warn({ stageId: job.stageId }, 'stage not in plan; dropping job');
    return;
  }
  // A crash after the model answered but before the result was reported must not pay for the stage twice.
  let deliverable = await deps.deliverables.get(project.id, stage.id, job.attempt);
  if (!deliverable) {
    // Independent reads and the "running" event, at once: this is on the path from one stage to the next.
    const [, inputs, memory] = await Promise.all([
      enqueueEvent(deps.queues, {
        type: 'stage_started',
        eventId: eventIds.stageStarted(project.id, stage.id, job.attempt),
        projectId: project.id,
        stageId: stage.id,
        attempt: job.attempt,
      }),
      loadInputs(deps.deliverables, project, stage.reads),
      recallFor(deps, project, stage.role, log),
    ]);
    const startedAt = Date.now();
    const { value, usage, model } = await deps.model.structured(
      {
        ...stagePrompt(project, stage, inputs, deps.inputTokenBudget, memory.text),
        maxTokens: OUTPUT_TOKEN_LIMITS.stage,
        signal: AbortSignal.timeout(stage.timeoutMs),
        ...(run.model ? { model: run.model } : {}),
        spend: spendGuard(deps, project),
      },
      stageOutputSchema,
    );
    const produced: Deliverable = {
      stageId: stage.id,
      attempt: job.attempt,
      role: stage.role,
      summary: value.summary,
      deliverable: value.deliverable,
      digest: value.digest,
      usage,
      model,
      degraded: run.model !== undefined,
      jobAttempts: run.attempt,
      workerId: WORKER_ID,
      startedAt,
      producedAt: Date.now(),
    };
    // The deliverable and everything the agent wants remembered are written together, or not at all, into
    // the memory scope of the project's conversation, and only if the project was not cancelled or
    // forgotten while the model worked: the script that writes checks it, so no forget can slip in between.
    const plan = project.plan?.stages ?? [];
    const outcome = await deps.memory.recordStageOutcome({
      teamId: project.teamId,
      channelId: project.channelId,
      visibility: project.visibility,
      projectId: project.id,
      stageId: stage.id,
      attempt: job.attempt,
      role: stage.role,
      projectGuard: { key: deps.keys.project(project.id), closedPhases: RESULT_UNWANTED_IN },
      deliverableKey: deps.keys.deliverable(project.id, stage.id, job.attempt),
      deliverableJson: JSON.stringify(produced),
      history: {
        task: stage.task.replace(/\{([^}]+)\.output\}/g, '$1'),
        outcome: value.outcome,
        keyInsights: value.keyInsights,
        delegations: value.delegations,
        at: produced.producedAt,
      },
      insights: value.insights,
      messages: value.messages,
      collaborators: stage.reads.flatMap((dep) => plan.find((s) => s.id === dep)?.role ?? []),
      success: value.outcome === 'success',
      taskType: stage.id.slice(stage.id.indexOf('.') + 1),
      readMessageIds: memory.shownMessageIds,
    });
    switch (outcome.status) {
      case 'project_closed':
        log.info(
          { stageId: stage.id, phase: outcome.phase },
          'project stopped during the stage; result not recorded',
        );
        return;
      case 'recorded':
        deliverable = produced;
        break;
      case 'duplicate':
        deliverable = (await deps.deliverables.get(project.id, stage.id, job.attempt)) ?? produced;
        break;
    }
  }
  await enqueueEvent(deps.queues, {
    type: 'stage_done',
    eventId: doneEventId(job),
    projectId: project.id,
    stageId: stage.id,
    attempt: job.attempt,
    summary: deliverable.summary,
    usage: deliverable.usage,
    model: deliverable.model,
    degraded: deliverable.degraded,
    jobAttempts: deliverable.jobAttempts,
  });
  log.info({ stageId: stage.id, attempt: job.attempt, model: deliverable.model }, 'stage done');
}

/** The role's memory for this project's prompt; a memory outage costs the prompt its memory, not the stage. */
async function recallFor(
  deps: AgentWorkerDeps,
  project: Project,
  role: RoleId,
  log: Logger,
): Promise<MemoryContext> {
  try {
    const recall = await deps.memory.recall({
      teamId: project.teamId,
      channelId: project.channelId,
      visibility: project.visibility,
      role,
      projectTags: projectTerms(project.requirements),
    });
    if (recall.corrupt > 0) log.warn({ corrupt: recall.corrupt, role }, 'skipped corrupt memory items');
    return memoryContext(recall, deps.memoryTokenBudget);
  } catch (err) {
    log.error({ err, role }, 'could not read agent memory; running the stage without it');
    return { text: '', shownMessageIds: [], omitted: 0 };
  }
}

async function loadInputs(
  store: DeliverableStore,
  project: Project,
  stageIds: readonly string[],
): Promise<Map<string, Deliverable>> {
  const found = await Promise.all(
    stageIds.map(async (id) => {
      const attempt = project.stages[id]?.attempt;
      return attempt === undefined ? undefined : ([id, await store.get(project.id, id, attempt)] as const);
    }),
  );
  return new Map(found.flatMap((f) => (f?.[1] ? [[f[0], f[1]] as const] : [])));
}

/**
 * The id of the event that reports a job's result. It names the job's round or attempt: the same job's
 * result always has the same id (a redelivery is skipped), and the next round's result never does.
 */
export function doneEventId(job: AgentJob): string {
  switch (job.kind) {
    case 'clarify':
      return eventIds.clarifyDone(job.projectId, job.round);
    case 'plan':
      return eventIds.planDone(job.projectId, job.round);
    case 'stage':
      return eventIds.stageDone(job.projectId, job.stageId, job.attempt);
    case 'summary':
      return eventIds.summaryDone(job.projectId, job.round);
  }
}

/** The id of the event that reports a job's final failure; like `doneEventId`, one per round or attempt. */
export function failedEventId(job: AgentJob): string {
  switch (job.kind) {
    case 'clarify':
      return eventIds.clarifyFailed(job.projectId, job.round);
    case 'plan':
      return eventIds.planFailed(job.projectId, job.round);
    case 'stage':
      return eventIds.stageFailed(job.projectId, job.stageId, job.attempt);
    case 'summary':
      return eventIds.summaryFailed(job.projectId, job.round);
  }
}

async function reportFailure(deps: AgentWorkerDeps, job: AgentJob, error: string): Promise<void> {
  const base = { projectId: job.projectId };
  switch (job.kind) {
    case 'clarify':
      await enqueueEvent(deps.queues, {
        type: 'clarify_failed',
        eventId: failedEventId(job),
        ...base,
        round: job.round,
        error,
      });
      return;
    case 'plan':
      await enqueueEvent(deps.queues, {
        type: 'plan_failed',
        eventId: failedEventId(job),
        ...base,
        round: job.round,
        error,
      });
      return;
    case 'stage':
      await enqueueEvent(deps.queues, {
        type: 'stage_failed',
        eventId: failedEventId(job),
        ...base,
        stageId: job.stageId,
        attempt: job.attempt,
        error,
      });
      return;
    case 'summary':
      await enqueueEvent(deps.queues, {
        type: 'summary_failed',
        eventId: failedEventId(job),
        ...base,
        round: job.round,
        error,
      });
      return;
  }
}
