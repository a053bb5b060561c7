import type { Redis } from 'ioredis';
import { safeJobId } from '../domain/ids.js';
import type { KeySpace } from './keys.js';
import { loadScript, runScript } from './lua.js';
import type { Queues } from './queues.js';

// KEYS, ARGV and replies are named in src/memory/lua/home-refresh-*.lua.
const REQUEST_SCRIPT = loadScript('home-refresh-request');
const BEGIN_SCRIPT = loadScript('home-refresh-begin');

/** How long a person's chosen App Home page is remembered. */
const PAGE_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * When people's App Home is published again after their projects change: at most once per `intervalMs`
 * per person, shared by every bot replica, and always once more after the last change (a refresh asked
 * for while one waits is served by it; one asked for while one runs gets its own, after the interval).
 */
export class HomeRefreshSchedule {
  constructor(
    private readonly redis: Redis,
    private readonly keys: KeySpace,
    private readonly queues: Pick<Queues, 'homeRefresh'>,
    private readonly intervalMs: number,
  ) {}

  /** Asks for a refresh of each person's App Home; those with one already waiting need nothing more. */
  async request(teamId: string, userIds: readonly string[]): Promise<void> {
    await Promise.all(userIds.map((userId) => this.requestOne(teamId, userId)));
  }

  private async requestOne(teamId: string, userId: string): Promise<void> {
    // The waiting marker outlives a lost job only briefly: the next change then asks again.
    const pendingTtl = this.intervalMs + 60_000;
    const delay = Number(
      await runScript(
        this.redis,
        REQUEST_SCRIPT,
        2,
        this.keys.homeRefreshPending(teamId, userId),
        this.keys.homeRefreshRecent(teamId, userId),
        pendingTtl,
      ),
    );
    if (delay < 0) return;
    try {
      await this.queues.homeRefresh.add(
        'home-refresh',
        { teamId, userId },
        {
          delay,
          jobId: safeJobId(`home-${teamId}-${userId}-${Date.now()}`),
          removeOnComplete: true,
          removeOnFail: { age: 24 * 3600, count: 100 },
          attempts: 3,
          backoff: { type: 'exponential', delay: 1000 },
        },
      );
    } catch (err) {
      // Without its job the marker would hold further refreshes back until it expires.
      await this.redis.del(this.keys.homeRefreshPending(teamId, userId)).catch(() => undefined);
      throw err;
    }
  }

  /** A refresh starts: later changes ask for another, no sooner than the interval from now. */
  async begin(teamId: string, userId: string): Promise<void> {
    await runScript(
      this.redis,
      BEGIN_SCRIPT,
      2,
      this.keys.homeRefreshPending(teamId, userId),
      this.keys.homeRefreshRecent(teamId, userId),
      this.intervalMs,
    );
  }

  /** The person opened their App Home and it was published: refreshes keep their distance from it. */
  async published(teamId: string, userId: string): Promise<void> {
    await this.redis.set(this.keys.homeRefreshRecent(teamId, userId), '1', 'PX', this.intervalMs);
  }

  async page(teamId: string, userId: string): Promise<number> {
    const raw = await this.redis.get(this.keys.homePage(teamId, userId));
    const page = Number(raw ?? 0);
    return Number.isInteger(page) && page >= 0 ? page : 0;
  }

  async setPage(teamId: string, userId: string, page: number): Promise<void> {
    await this.redis.set(this.keys.homePage(teamId, userId), String(page), 'PX', PAGE_TTL_MS);
  }
}
