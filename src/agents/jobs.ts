import { z } from 'zod';

/** Model work the orchestrator hands to the agents' queue. The worker reads everything else from Redis. */
export const agentJobSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('clarify'), projectId: z.string(), round: z.number().int().min(1) }),
  z.object({
    kind: z.literal('stage'),
    projectId: z.string(),
    stageId: z.string(),
    attempt: z.number().int().min(1),
  }),
  z.object({ kind: z.literal('plan'), projectId: z.string() }),
  z.object({ kind: z.literal('summary'), projectId: z.string() }),
]);
export type AgentJob = z.infer<typeof agentJobSchema>;
