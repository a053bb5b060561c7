import type { Logger } from 'pino';
import type { Deliverable } from '../../domain/deliverable.js';
import type { OrchestratorEvent } from '../../domain/events.js';
import type { AgentJob, AgentJobKind } from '../../domain/jobs.js';
import type { Project } from '../../domain/project.js';
import type { KeySpace } from '../../memory/keys.js';
import type { DeliverableReader, EventSink, FilesPublisher, StageMemory } from '../dependencies.js';
import type { ModelPrompt, ModelProvider, SpendGuard } from '../model/provider.js';

export type JobOf<K extends AgentJobKind> = Extract<AgentJob, { kind: K }>;

export interface JobSettings {
  clarifyMaxRounds: number;
  /** Tokens of one input deliverable placed in a stage prompt; over it, its digest goes in. */
  inputTokenBudget: number;
  /** Tokens of remembered items (history, insights, messages) placed in a stage prompt. */
  memoryTokenBudget: number;
}

/** What an entry may use while it runs one job with one model. */
export interface JobContext {
  provider: ModelProvider;
  events: EventSink;
  deliverables: DeliverableReader;
  memory: StageMemory;
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
}

/**
 * What every model call of a job carries: the model to ask, if not the default, the spend guard, and the
 * run's cancel signal joined with the call's own `timeout` (a stage's), if any.
 */
export function callOptions(
  ctx: JobContext,
  timeout?: AbortSignal,
): Pick<ModelPrompt, 'model' | 'spend' | 'signal'> {
  const signals = [ctx.cancelled, timeout].filter((s): s is AbortSignal => s !== undefined);
  const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
  return { ...(ctx.model ? { model: ctx.model } : {}), spend: ctx.spend, ...(signal ? { signal } : {}) };
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
