import type { z } from 'zod';
import type { Deliverable } from '../domain/deliverable.js';
import type { OrchestratorEvent } from '../domain/events.js';
import type { Project } from '../domain/project.js';
import type { RoleId } from '../domain/roles.js';
import type { Conversation, Recall, RecordResult, StageOutcomeInput } from '../memory/agent-memory/index.js';
import { enqueueEvent, type Queues } from '../memory/queues.js';
import type { Reservation } from '../memory/spend-ledger.js';
import type { SpendGuard } from './model/provider.js';

/*
 * What the agents worker needs from the rest of the system, and nothing more: the real classes satisfy
 * these interfaces as they are, and unit tests hand in fakes kept in memory.
 */

/** Reads a project record (memory/project-store.ts `ProjectStore`). */
export interface ProjectReader {
  get(projectId: string): Promise<Project | undefined>;
}

/** Reads a stage attempt's deliverable (memory/deliverables.ts `DeliverableStore`). */
export interface DeliverableReader {
  get(projectId: string, stageId: string, attempt: number): Promise<Deliverable | undefined>;
}

/** A stage attempt's steps, each stored once (memory/stage-work.ts `StageWorkStore`). */
export interface StageWorkLog {
  get<T>(
    at: { projectId: string; stageId: string; attempt: number },
    step: string,
    schema: z.ZodType<T>,
  ): Promise<T | undefined>;
  /** Stores a step unless one is stored already; returns the stored one. */
  put<T>(
    at: { projectId: string; stageId: string; attempt: number },
    step: string,
    value: T,
    schema: z.ZodType<T>,
  ): Promise<T>;
}

/** What a stage recalls before it runs and records when it is done (memory/agent-memory.ts `AgentMemory`). */
export interface StageMemory {
  recall(query: Conversation & { role: RoleId; projectTags?: readonly string[] }): Promise<Recall>;
  /** Writes the deliverable and what the agent wants remembered together, or nothing at all. */
  recordStageOutcome(input: StageOutcomeInput): Promise<RecordResult>;
}

/** Commits the project's files before the summary is written (ops/git-publisher.ts). */
export type { FilesPublisher } from '../domain/files-publication.js';

/** Where the worker reports results: the orchestrator's queue, one job per event id. */
export interface EventSink {
  enqueue(event: OrchestratorEvent): Promise<void>;
}

export function queueEventSink(queues: Queues): EventSink {
  return { enqueue: (event) => enqueueEvent(queues, event) };
}

/** Where spending is reserved before a call and settled after it (memory/spend-ledger.ts `SpendLedger`). */
export interface BudgetLedger {
  /** Throws BudgetExceededError, reserving nothing, when the call would pass a budget. */
  reserve(projectId: string, teamId: string, projectLimitUsd: number, usd: number): Promise<Reservation>;
  settle(reservation: Reservation, actualUsd: number): Promise<void>;
}

/** The budget check of one job's requests: the project's ceiling as the job found it, and the workspace's day. */
export function projectSpendGuard(
  ledger: BudgetLedger,
  project: Project,
  defaultLimitUsd: number,
): SpendGuard {
  const limitUsd = project.budget?.limitUsd ?? defaultLimitUsd;
  return {
    async reserve(maxUsd) {
      const reservation = await ledger.reserve(project.id, project.teamId, limitUsd, maxUsd);
      return (actualUsd) => ledger.settle(reservation, actualUsd);
    },
  };
}

/** The metrics the worker keeps (ops/metrics.ts `Metrics`). */
export interface AgentMetrics {
  stageDuration: { startTimer(labels: { role: string }): (labels: { outcome: string }) => unknown };
  modelCalls: { inc(labels: { outcome: string }): void };
}
