import type { z } from 'zod';
import type { StageWorkLog } from '../../src/agents/dependencies.js';

type At = { projectId: string; stageId: string; attempt: number };

/** Stage steps kept in memory, each written once, as the Redis store (src/memory/stage-work.ts) does. */
export class MemoryStageWork implements StageWorkLog {
  readonly steps = new Map<string, string>();

  private key(at: At, step: string): string {
    return `${at.projectId}/${at.stageId}/${at.attempt}#${step}`;
  }

  async get<T>(at: At, step: string, schema: z.ZodType<T>): Promise<T | undefined> {
    const raw = this.steps.get(this.key(at, step));
    return raw === undefined ? undefined : schema.parse(JSON.parse(raw));
  }

  async put<T>(at: At, step: string, value: T, schema: z.ZodType<T>): Promise<T> {
    const key = this.key(at, step);
    if (!this.steps.has(key)) this.steps.set(key, JSON.stringify(value));
    return (await this.get(at, step, schema)) ?? value;
  }
}
