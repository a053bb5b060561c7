import type { AgentJobKind } from './jobs.js';

/**
 * How much a model call may write and how hard it thinks: the output limit of a stage by role
 * (STAGE_MAX_TOKENS, STAGE_MAX_TOKENS_BY_ROLE) and the API's effort setting by kind of call (MODEL_EFFORT…).
 * A call is priced at its output limit before it is made, so the limits are also what the forecast uses.
 */

/** The effort levels the Messages API takes in `output_config.effort`; "high" is what the API does unasked. */
export const EFFORT_LEVELS = ['low', 'medium', 'high', 'xhigh', 'max'] as const;
export type Effort = (typeof EFFORT_LEVELS)[number];

/** Kinds of model call an effort is set for: every agent job, and the review of a stage's deliverable. */
export const EFFORT_KINDS = ['clarify', 'plan', 'stage', 'review', 'summary'] as const;
export type EffortKind = (typeof EFFORT_KINDS)[number];

/** Effort per kind of call; undefined: the parameter is left out (`off`), for models without it. */
export type EffortTable = Readonly<Record<EffortKind, Effort | undefined>>;

/** Thinking harder where a mistake costs the whole run (plan, review); lighter for questions and prose. */
export const DEFAULT_EFFORT: EffortTable = {
  clarify: 'low',
  plan: 'high',
  stage: 'medium',
  review: 'high',
  summary: 'medium',
};

/** The effort of one agent job kind (the review runs inside a stage job and asks for `review` itself). */
export function effortFor(table: EffortTable, kind: AgentJobKind): Effort | undefined {
  return table[kind];
}

/** Output tokens one stage call may write: STAGE_MAX_TOKENS, and per role where STAGE_MAX_TOKENS_BY_ROLE says. */
export interface StageOutputLimits {
  default: number;
  byRole: Readonly<Partial<Record<string, number>>>;
}

export const DEFAULT_STAGE_MAX_TOKENS = 32_000;

export const DEFAULT_STAGE_LIMITS: StageOutputLimits = { default: DEFAULT_STAGE_MAX_TOKENS, byRole: {} };

export function stageOutputLimit(limits: StageOutputLimits, role: string): number {
  return limits.byRole[role] ?? limits.default;
}
