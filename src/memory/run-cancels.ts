import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { KeySpace } from './keys.js';

/** Tells every agents worker that a project's run was cancelled (Redis pub/sub: nothing is stored). */
export async function announceCancel(redis: Redis, keys: KeySpace, projectId: string): Promise<void> {
  await redis.publish(keys.cancelledRuns, projectId);
}

/** One running job's view of its project's cancel: `signal` aborts when the run is cancelled. */
export interface CancelWatch {
  signal: AbortSignal;
  /** Stops watching (the job is over). */
  release(): void;
}

/**
 * The agents worker's ear for cancelled runs: a subscriber connection of its own on the pub/sub channel,
 * and the jobs running in this process by project. A cancel aborts every watching job of the project at
 * once, so its model calls stop mid-flight. A word lost while the subscriber reconnects costs only the
 * call's price: its result is thrown away when it comes, as the run no longer wants it.
 */
export class RunCancels {
  private readonly watching = new Map<string, Set<AbortController>>();

  private constructor(private readonly subscriber: Redis) {}

  /** Subscribes without waiting (Redis may be away at start-up; ioredis subscribes again on reconnect). */
  static start(redis: Redis, keys: KeySpace, logger: Logger): RunCancels {
    const subscriber = redis.duplicate();
    subscriber.on('error', (err) => logger.warn({ err }, 'cancel subscriber: redis error'));
    const cancels = new RunCancels(subscriber);
    subscriber.on('message', (channel: string, projectId: string) => {
      if (channel === keys.cancelledRuns) cancels.abort(projectId);
    });
    subscriber
      .subscribe(keys.cancelledRuns)
      .catch((err: unknown) => logger.warn({ err }, 'cancel subscriber: could not subscribe'));
    return cancels;
  }

  watch(projectId: string): CancelWatch {
    const controller = new AbortController();
    const set = this.watching.get(projectId) ?? new Set<AbortController>();
    set.add(controller);
    this.watching.set(projectId, set);
    return {
      signal: controller.signal,
      release: () => {
        set.delete(controller);
        if (set.size === 0 && this.watching.get(projectId) === set) this.watching.delete(projectId);
      },
    };
  }

  /** Aborts every job of `projectId` running here; returns how many. */
  abort(projectId: string): number {
    const set = this.watching.get(projectId);
    if (!set) return 0;
    for (const controller of set) controller.abort(new Error('the run was cancelled'));
    return set.size;
  }

  async close(): Promise<void> {
    await this.subscriber.quit().catch(() => this.subscriber.disconnect());
  }
}
