import type { Redis } from 'ioredis';
import {
  type StageProgress,
  type StageProgressUpdate,
  stageProgressSchema,
} from '../domain/stage-progress.js';
import type { KeySpace } from './keys.js';

/** A record outlives a pause in the model's output, not a dead worker: then the status stops showing it. */
export const STAGE_PROGRESS_TTL_MS = 15 * 60 * 1000;

/** Default least time between two writes of one stage's record (STAGE_PROGRESS_INTERVAL_MS). */
export const DEFAULT_STAGE_PROGRESS_INTERVAL_MS = 2_000;

/**
 * What a stage job tells the status while it works: `report` records where an attempt is (called as the
 * model writes, and whenever the step changes: writing → reviewing → revising); `clear` removes the record
 * once the job is over. Neither ever rejects: progress is for show and must not fail a stage.
 */
export interface StageProgressReporter {
  report(projectId: string, stageId: string, attempt: number, update: StageProgressUpdate): Promise<void>;
  clear(projectId: string, stageId: string, attempt: number): Promise<void>;
}

/** Reads what `StageProgressReporter` wrote, for the status the outbox renders. */
export interface StageProgressReader {
  read(projectId: string, stageIds: readonly string[]): Promise<Map<string, StageProgress>>;
}

interface Throttle {
  lastAt: number;
  step: StageProgressUpdate['step'];
  /** The write under way, so `clear` deletes after it and no late write brings the record back. */
  pending: Promise<void>;
  cleared: boolean;
}

/**
 * Stage progress in Redis (keys.ts `stageProgress`), one record per project and stage. Writes are
 * throttled per stage attempt, in this process: at most one every `intervalMs`, except that a new step is
 * written at once. Ignored by readers once the stage is no longer running or runs another attempt.
 */
export class StageProgressStore implements StageProgressReporter, StageProgressReader {
  private readonly throttles = new Map<string, Throttle>();

  constructor(
    private readonly redis: Redis,
    private readonly keys: KeySpace,
    private readonly options: {
      intervalMs?: number;
      onError?: (err: unknown) => void;
      now?: () => number;
    } = {},
  ) {}

  report(projectId: string, stageId: string, attempt: number, update: StageProgressUpdate): Promise<void> {
    const now = (this.options.now ?? Date.now)();
    const id = `${projectId}\n${stageId}\n${attempt}`;
    const last = this.throttles.get(id);
    if (last?.cleared) return Promise.resolve();
    const interval = this.options.intervalMs ?? DEFAULT_STAGE_PROGRESS_INTERVAL_MS;
    if (last && last.step === update.step && now - last.lastAt < interval) return Promise.resolve();
    const record: StageProgress = {
      attempt,
      step: update.step,
      outputTokens: Math.max(0, Math.round(update.outputTokens)),
      maxTokens: Math.max(0, Math.round(update.maxTokens)),
      updatedAt: now,
    };
    const write = this.redis
      .set(this.keys.stageProgress(projectId, stageId), JSON.stringify(record), 'PX', STAGE_PROGRESS_TTL_MS)
      .then(
        () => undefined,
        (err: unknown) => this.options.onError?.(err),
      );
    // One connection runs commands in order: once this write is done, every earlier one is too.
    this.throttles.set(id, { lastAt: now, step: update.step, pending: write, cleared: false });
    return write;
  }

  async clear(projectId: string, stageId: string, attempt: number): Promise<void> {
    const id = `${projectId}\n${stageId}\n${attempt}`;
    const last = this.throttles.get(id);
    // A report that comes while this clears (a callback still firing) is dropped, not written after the delete.
    this.throttles.set(id, { lastAt: 0, step: 'writing', pending: Promise.resolve(), cleared: true });
    await last?.pending;
    try {
      await this.redis.del(this.keys.stageProgress(projectId, stageId));
    } catch (err) {
      this.options.onError?.(err);
    } finally {
      this.throttles.delete(id);
    }
  }

  async read(projectId: string, stageIds: readonly string[]): Promise<Map<string, StageProgress>> {
    const found = new Map<string, StageProgress>();
    if (stageIds.length === 0) return found;
    const raws = await this.redis.mget(...stageIds.map((s) => this.keys.stageProgress(projectId, s)));
    for (const [i, raw] of raws.entries()) {
      const stageId = stageIds[i];
      if (!raw || stageId === undefined) continue;
      try {
        const parsed = stageProgressSchema.safeParse(JSON.parse(raw));
        if (parsed.success) found.set(stageId, parsed.data);
      } catch {
        // unreadable: shown without progress
      }
    }
    return found;
  }
}
