import type { Redis } from 'ioredis';
import type { z } from 'zod';
import type { KeySpace } from './keys.js';
import { parseRecord } from './project-store.js';

/** At most this long for a stage attempt's steps; a finished project's save gives them its own TTL. */
const STAGE_WORK_TTL_MS = 30 * 24 * 3_600_000;

/**
 * The steps of one stage attempt before its deliverable is recorded: the author's draft, the reviews and
 * the revision, each written once (HSETNX). A job that dies between two model calls is retried and picks
 * up the stored steps, so no call whose answer was stored is made or paid for again.
 */
export class StageWorkStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: KeySpace,
  ) {}

  async get<T>(
    at: { projectId: string; stageId: string; attempt: number },
    step: string,
    schema: z.ZodType<T>,
  ): Promise<T | undefined> {
    const key = this.keys.stageWork(at.projectId, at.stageId, at.attempt);
    const raw = await this.redis.hget(key, step);
    return raw === null ? undefined : parseRecord(`${key}#${step}`, raw, schema);
  }

  /** Stores a step unless one is stored already; returns the stored one (the first writer's). */
  async put<T>(
    at: { projectId: string; stageId: string; attempt: number },
    step: string,
    value: T,
    schema: z.ZodType<T>,
  ): Promise<T> {
    const key = this.keys.stageWork(at.projectId, at.stageId, at.attempt);
    const [[, written]] = (await this.redis
      .multi()
      .hsetnx(key, step, JSON.stringify(value))
      .pexpire(key, STAGE_WORK_TTL_MS, 'NX')
      .exec()) as [[Error | null, number], [Error | null, number]];
    if (written === 1) return value;
    return (await this.get(at, step, schema)) ?? value;
  }
}
