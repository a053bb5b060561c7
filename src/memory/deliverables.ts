import type { Redis } from 'ioredis';
import { z } from 'zod';
import { usageSchema } from '../orchestrator/usage.js';
import type { KeySpace } from './keys.js';
import { parseRecord } from './project-store.js';

export const deliverableSchema = z.object({
  stageId: z.string(),
  attempt: z.number().int(),
  role: z.string(),
  summary: z.string(),
  deliverable: z.string(),
  /** The deliverable condensed for downstream prompts. */
  digest: z.string(),
  usage: usageSchema,
  model: z.string(),
  /** Produced by the fallback model. */
  degraded: z.boolean(),
  /** Model-job attempt that produced it (1 = first try). */
  jobAttempts: z.number().int().min(1),
  /** `host:pid` of the worker process that produced it. */
  workerId: z.string(),
  startedAt: z.number(),
  producedAt: z.number(),
});
export type Deliverable = z.infer<typeof deliverableSchema>;

/**
 * Stage deliverables, one per stage attempt. Written once, by the agent memory's record script together with
 * what the agent wants remembered (memory/agent-memory.ts): a finished attempt never calls the model again.
 */
export class DeliverableStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: KeySpace,
  ) {}

  async get(projectId: string, stageId: string, attempt: number): Promise<Deliverable | undefined> {
    const key = this.keys.deliverable(projectId, stageId, attempt);
    const raw = await this.redis.get(key);
    return raw === null ? undefined : parseRecord(key, raw, deliverableSchema);
  }
}
