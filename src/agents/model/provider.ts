import type { z } from 'zod';
import type { ChecklistItem } from '../../domain/checklists.js';
import type { Deliverable } from '../../domain/deliverable.js';
import type { DeliverableFile, FileProblem } from '../../domain/deliverable-files.js';
import type { AgentJobKind } from '../../domain/jobs.js';
import type { Effort } from '../../domain/model-output.js';
import type { Stage } from '../../domain/plan.js';
import type { Project } from '../../domain/project.js';
import type { ChecklistReview } from '../../domain/review.js';
import type { Usage } from '../../domain/usage.js';
import type { StageOutput } from '../jobs/stage-output.js';

/**
 * What each kind of call tells the model besides its prompt: the facts the prompt was made from. Every
 * kind of job has one; a stage job also makes review calls, and its revision round is a stage call that
 * carries the first answer and its review.
 */
interface PurposeContext {
  clarify: { maxRounds: number };
  plan: Record<never, never>;
  stage: {
    stage: Stage;
    attempt: number;
    inputs: ReadonlyMap<string, Deliverable>;
    revision?: { previous: StageOutput; review: ChecklistReview; problems: readonly FileProblem[] };
  };
  summary: { deliverables: ReadonlyMap<string, Deliverable> };
  review: {
    stage: Stage;
    attempt: number;
    /** 1: the first review; 2: the review of the revision. */
    round: 1 | 2;
    checklist: readonly ChecklistItem[];
    deliverable: string;
    files: readonly DeliverableFile[];
  };
}
type PurposeKind = AgentJobKind | 'review';

/**
 * Which job is asking, with the structured facts its prompt was made from. Claude reads the prompt and
 * ignores this; the offline model (model/offline/) answers from it and never parses prompt text. A new
 * kind of job does not compile until it has a context here.
 */
export type ModelPurpose = {
  [K in PurposeKind]: { job: K; project: Project } & PurposeContext[K];
}[PurposeKind];

export interface ModelPrompt {
  /** Stable blocks, most stable first (charter, requirements, plan): each is a prompt-cache breakpoint. */
  system: string[];
  user: string;
  /** Which job asks, and the facts its prompt was made from. */
  purpose: ModelPurpose;
  maxTokens: number;
  /** Overrides the default model (the fallback model, for one). */
  model?: string;
  /** Aborts every request of this call (the stage's timeout). */
  signal?: AbortSignal;
  /** Checks each request against the budgets before it is made; none: unmetered (tests, tools). */
  spend?: SpendGuard;
  /** How much effort the model puts in (`output_config.effort`); none: the API's default. */
  effort?: Effort;
  /** Told now and then while the answer is written (each request afresh): how far it is. Must not throw. */
  onProgress?: (progress: ModelProgress) => void;
}

/** How far one request's answer is: output tokens so far (estimated from its text) against its limit. */
export interface ModelProgress {
  outputTokens: number;
  maxTokens: number;
}

/**
 * The budget check of one piece of work. `reserve` is given the most a request can cost and either
 * reserves it (returning how to settle it to the real cost) or throws BudgetExceededError.
 */
export interface SpendGuard {
  reserve(maxUsd: number): Promise<(actualUsd: number) => Promise<void>>;
}

export interface ModelResult<T> {
  value: T;
  usage: Usage;
  /** The model that answered. */
  model: string;
}

/**
 * A model the agents call: Claude through the Anthropic API (model/anthropic.ts), or another provider or an
 * offline model, without the worker changing. What it throws tells the worker what to do next:
 * `BreakerOpenError` (wait, without spending an attempt), `ModelCallError` (retryable or not, with the
 * provider's retry-after), `ModelOutputError` (no answer matched the schema), `BudgetExceededError` (from
 * the prompt's spend guard: the call was not made).
 */
export interface ModelProvider {
  /** The default model's name; the fallback model is tried only when it names another. */
  readonly model: string;
  /** Asks for a value matching `schema`, each request priced and checked by `prompt.spend` first. */
  structured<T>(prompt: ModelPrompt, schema: z.ZodType<T>): Promise<ModelResult<T>>;
}
