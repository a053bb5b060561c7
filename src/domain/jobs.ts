import { z } from 'zod';
import { DEFAULT_STAGE_MAX_TOKENS } from './model-output.js';

/** Model work the orchestrator hands to the agents' queue. The worker reads everything else from Redis. */
export const agentJobSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('clarify'), projectId: z.string(), round: z.number().int().min(1) }),
  z.object({
    kind: z.literal('stage'),
    projectId: z.string(),
    stageId: z.string(),
    attempt: z.number().int().min(1),
  }),
  /** `round` counts the times the plan was asked for: a re-plan after `resume` is new work. */
  z.object({ kind: z.literal('plan'), projectId: z.string(), round: z.number().int().min(1) }),
  /** `round` counts the times the summary was asked for: a run finished again after `retry` is new work. */
  z.object({ kind: z.literal('summary'), projectId: z.string(), round: z.number().int().min(1) }),
]);
export type AgentJob = z.infer<typeof agentJobSchema>;
export type AgentJobKind = AgentJob['kind'];

/**
 * Output tokens one call of each kind may produce: what a call is priced at before it is made. A stage's
 * limit is configurable per role (model-output.ts `stageOutputLimit`); `stage` here is its default.
 */
export const OUTPUT_TOKEN_LIMITS: Readonly<Record<AgentJobKind, number>> = {
  clarify: 4_000,
  plan: 8_000,
  stage: DEFAULT_STAGE_MAX_TOKENS,
  summary: 8_000,
};
