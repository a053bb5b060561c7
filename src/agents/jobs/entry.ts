import type { Logger } from 'pino';
import type { Deliverable } from '../../domain/deliverable.js';
import type { OrchestratorEvent } from '../../domain/events.js';
import type { AgentJob, AgentJobKind } from '../../domain/jobs.js';
import type { Effort, EffortTable, StageOutputLimits } from '../../domain/model-output.js';
import type { Project } from '../../domain/project.js';
import type { StageStep } from '../../domain/stage-progress.js';
import type { KeySpace } from '../../memory/keys.js';
import type { StageProgressReporter } from '../../memory/stage-progress.js';
import type {
  DeliverableReader,
  EventSink,
  FilesPublisher,
  StageMemory,
  StageWorkLog,
} from '../dependencies.js';

import type { ModelPrompt, ModelProvider, SpendGuard } from '../model/provider.js';
import type { ReviewSettings } from './stage-work.js';

export type JobOf<K extends AgentJobKind> = Extract<AgentJob, { kind: K }>;

export interface JobSettings {
  clarifyMaxRounds: number;
  /** Tokens of one input deliverable placed in a stage prompt; over it, its digest goes in. */
  inputTokenBudget: number;
  /** Tokens of remembered items (history, insights, messages) placed in a stage prompt. */
  memoryTokenBudget: number;
  review: ReviewSettings;
  /** Output tokens a stage call may write, by role (STAGE_MAX_TOKENS, STAGE_MAX_TOKENS_BY_ROLE). */
  stageLimits: StageOutputLimits;
  /** Effort per kind of call (MODEL_EFFORT…); a stage's review asks with `effort.review` itself. */
  effort: EffortTable;
}

/** What an entry may use while it runs one job with one model. */
export interface JobContext {
  provider: ModelProvider;
  events: EventSink;
  deliverables: DeliverableReader;
  memory: StageMemory;
  stageWork: StageWorkLog;
  keys: KeySpace;
  settings: JobSettings;
  log: Logger;
  /** Which process runs it: shown in the report. */
  workerId: string;
  /** The queue job's attempt, from 1. */
  attempt: number;
  /** The model to ask; undefined: the provider's default. Set only when the fallback model is tried. */
  model: string | undefined;
  /** Checks every request of this job against the budgets before it is made. */
  spend: SpendGuard;
  /** Commits the project's files before the summary (DELIVERABLES_GIT_URL); absent: not configured. */
  filesPublisher?: FilesPublisher;
  /** Aborts when the project's run is cancelled (a `cancel`, Slack's Stop): every call of the job stops. */
  cancelled?: AbortSignal;
  /** The effort this job's calls ask for (its kind's); none with the fallback model or when turned off. */
  effort?: Effort;
  /** Where a stage records how far it is, for the live status; none: not shown. */
  progress?: StageProgressReporter;
}

/**
 * What every model call of a job carries: the model to ask, if not the default, the spend guard, and the
 * run's cancel signal joined with the call's own `timeout` (a stage's), if any.
 */
export function callOptions(
  ctx: JobContext,
  timeout?: AbortSignal,
): Pick<ModelPrompt, 'model' | 'spend' | 'signal' | 'effort'> {
  const signals = [ctx.cancelled, timeout].filter((s): s is AbortSignal => s !== undefined);
  const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
  return {
    ...(ctx.model ? { model: ctx.model } : {}),
    spend: ctx.spend,
    ...(signal ? { signal } : {}),
    ...(ctx.effort ? { effort: ctx.effort } : {}),
  };
}

/**
 * The `onProgress` of a stage's model call: records the stage attempt's `step` and how far the answer is
 * (memory/stage-progress.ts), for the live status. A review or revision call passes its own step.
 */
export function stageProgress(
  ctx: JobContext,
  job: JobOf<'stage'>,
  step: StageStep,
): Pick<ModelPrompt, 'onProgress'> {
  const reporter = ctx.progress;
  if (!reporter) return {};
  return {
    onProgress: (p) => {
      void reporter.report(job.projectId, job.stageId, job.attempt, { step, ...p });
    },
  };
}

/**
 * One kind of model work: how it runs (its prompt, its output schema, what it reads and writes) and the
 * events it reports. The worker runs any entry the same way (staleness, retries, fallback, budget).
 */
export interface AgentJobEntry<K extends AgentJobKind> {
  /** Who does the work, for the duration metric. */
  role(project: Project, job: JobOf<K>): string;
  /** Builds the prompt, calls the model, records what there is to record and reports the result. */
  run(ctx: JobContext, project: Project, job: JobOf<K>): Promise<void>;
  /**
   * The id of the event that reports a job's result. It names the job's round or attempt: the same job's
   * result always has the same id (a redelivery is skipped), and the next round's result never does.
   */
  doneEventId(job: JobOf<K>): string;
  /** The id of the event that reports a job's final failure; like `doneEventId`, one per round or attempt. */
  failedEventId(job: JobOf<K>): string;
  /** The event that reports a job's final failure. */
  failed(job: JobOf<K>, error: string): OrchestratorEvent;
}

/** Deliverables of the given stages, at the attempt the project last ran each; missing ones are left out. */
export async function loadInputs(
  store: DeliverableReader,
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
