import type { Redis } from 'ioredis';
import { type Deliverable, deliverableSchema } from '../domain/deliverable.js';
import type { KeySpace } from './keys.js';
import { parseRecord } from './project-store.js';

/**
 * Stage deliverables, one per stage attempt. Written once, by the agent memory's record script together with
 * what the agent wants remembered (memory/agent-memory/): a finished attempt never calls the model again.
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

  /**
   * Deletes the deliverables of the given stage attempts, and their steps (a forgotten project); returns
   * how many deliverables existed.
   */
  async remove(
    projectId: string,
    attempts: ReadonlyArray<{ stageId: string; attempt: number }>,
  ): Promise<number> {
    if (attempts.length === 0) return 0;
    const [removed] = await Promise.all([
      this.redis.del(...attempts.map((a) => this.keys.deliverable(projectId, a.stageId, a.attempt))),
      this.redis.del(...attempts.map((a) => this.keys.stageWork(projectId, a.stageId, a.attempt))),
    ]);
    return removed;
  }
}
