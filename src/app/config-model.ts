import { z } from 'zod';
import {
  DEFAULT_EFFORT,
  DEFAULT_STAGE_MAX_TOKENS,
  EFFORT_KINDS,
  EFFORT_LEVELS,
  type Effort,
  type EffortKind,
  type EffortTable,
  type StageOutputLimits,
} from '../domain/model-output.js';
import { ROLE_IDS } from '../domain/roles.js';
import { DEFAULT_STAGE_PROGRESS_INTERVAL_MS } from '../memory/stage-progress.js';

/**
 * The environment of model output (config.ts takes it in): how much a stage may write, by role, how hard
 * each kind of call thinks, and how often a stage's progress is recorded.
 */

const blankAsUnset = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/** The API's output limits stay far above this; a bigger number is a typo. */
const MAX_OUTPUT_TOKENS = 128_000;

const outputTokens = z.coerce.number().int().min(1_000).max(MAX_OUTPUT_TOKENS);

const effortSetting = z.preprocess(
  (v) => (typeof v === 'string' ? blankAsUnset(v.trim().toLowerCase()) : v),
  z.enum([...EFFORT_LEVELS, 'off'], `one of ${[...EFFORT_LEVELS, 'off'].join(', ')}`).optional(),
);

/** `{"ml-engineer": 48000}`: a role's own stage output limit. */
const byRoleJson = z.preprocess(
  (v) => {
    const raw = blankAsUnset(v);
    if (typeof raw !== 'string') return raw;
    try {
      return JSON.parse(raw);
    } catch {
      return raw; // the object check below says what is wrong
    }
  },
  z
    .partialRecord(z.enum(ROLE_IDS), outputTokens, {
      message: `a JSON object of role (${ROLE_IDS.join(', ')}) to output tokens`,
    })
    .optional(),
);

export const modelOutputEnv = {
  /** Output tokens one stage call may write (every role without its own limit); priced at it before the call. Default 32000. */
  STAGE_MAX_TOKENS: z.preprocess(blankAsUnset, outputTokens.default(DEFAULT_STAGE_MAX_TOKENS)),
  /** Per-role stage output limits, JSON, e.g. {"ml-engineer": 48000}. Default: unset, STAGE_MAX_TOKENS for all. */
  STAGE_MAX_TOKENS_BY_ROLE: byRoleJson,
  /** Effort of every kind of call (low, medium, high, xhigh, max; off leaves the parameter out). Default: per kind. */
  MODEL_EFFORT: effortSetting,
  MODEL_EFFORT_CLARIFY: effortSetting,
  MODEL_EFFORT_PLAN: effortSetting,
  MODEL_EFFORT_STAGE: effortSetting,
  MODEL_EFFORT_REVIEW: effortSetting,
  MODEL_EFFORT_SUMMARY: effortSetting,
  /** Least time between two writes of one running stage's progress, in ms. Default 2000. */
  STAGE_PROGRESS_INTERVAL_MS: z.preprocess(
    blankAsUnset,
    z.coerce.number().int().min(0).default(DEFAULT_STAGE_PROGRESS_INTERVAL_MS),
  ),
};

const modelOutputSchema = z.object(modelOutputEnv);
type ModelOutputEnv = z.infer<typeof modelOutputSchema>;

export interface ModelOutputConfig {
  stageLimits: StageOutputLimits;
  effort: EffortTable;
  progressIntervalMs: number;
}

const EFFORT_VARS: Record<EffortKind, keyof ModelOutputEnv> = {
  clarify: 'MODEL_EFFORT_CLARIFY',
  plan: 'MODEL_EFFORT_PLAN',
  stage: 'MODEL_EFFORT_STAGE',
  review: 'MODEL_EFFORT_REVIEW',
  summary: 'MODEL_EFFORT_SUMMARY',
};

/** A kind's own variable wins over MODEL_EFFORT, which wins over the default table. */
export function modelOutputConfig(e: ModelOutputEnv): ModelOutputConfig {
  const effort = Object.fromEntries(
    EFFORT_KINDS.map((kind) => {
      const own = e[EFFORT_VARS[kind]] as Effort | 'off' | undefined;
      const chosen = own ?? e.MODEL_EFFORT ?? DEFAULT_EFFORT[kind];
      return [kind, chosen === 'off' ? undefined : chosen];
    }),
  ) as Record<EffortKind, Effort | undefined>;
  return {
    stageLimits: { default: e.STAGE_MAX_TOKENS, byRole: e.STAGE_MAX_TOKENS_BY_ROLE ?? {} },
    effort,
    progressIntervalMs: e.STAGE_PROGRESS_INTERVAL_MS,
  };
}
