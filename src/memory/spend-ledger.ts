import type { Redis } from 'ioredis';
import { BudgetExceededError } from '../domain/errors.js';
import type { KeySpace } from './keys.js';
import { loadScript, runScript } from './lua.js';

/**
 * What projects and workspaces have spent on the model, kept in Redis so every worker sees the same
 * figures. A call reserves the most it can cost before it is made and settles to what it did cost after,
 * so calls running side by side (parallel stages, several workers) can never pass a budget together.
 */

// Reserves a call's most, or nothing and says which budget it would pass (src/memory/lua/spend-reserve.lua).
const RESERVE_SCRIPT = loadScript('spend-reserve');
// Adds once per marker: a replayed Raise budget (after a crash) does not raise the ceiling twice.
const RAISE_SCRIPT = loadScript('spend-raise');

/** A workspace's daily figures are kept two days: long enough to read yesterday's, then they go. */
const WORKSPACE_DAY_TTL_SECONDS = 2 * 24 * 60 * 60;

export interface Reservation {
  projectId: string;
  teamId: string;
  day: string;
  usd: number;
}

/** The UTC day a call is counted in, e.g. "2026-11-30". */
export function utcDay(now: number): string {
  return new Date(now).toISOString().slice(0, 10);
}

export class SpendLedger {
  constructor(
    private readonly redis: Redis,
    private readonly keys: KeySpace,
    /** What a workspace may spend in a UTC day before raises (WORKSPACE_DAILY_BUDGET_USD). */
    private readonly workspaceDailyUsd: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Reserves `usd` for one call of `projectId`, or throws BudgetExceededError (nothing reserved) when
   * the project's spend plus it would pass `projectLimitUsd`, or the workspace's today would pass its limit.
   */
  async reserve(
    projectId: string,
    teamId: string,
    projectLimitUsd: number,
    usd: number,
  ): Promise<Reservation> {
    const day = utcDay(this.now());
    const answer = (await runScript(
      this.redis,
      RESERVE_SCRIPT,
      3,
      this.keys.projectSpend(projectId),
      this.keys.workspaceSpend(teamId, day),
      this.keys.workspaceRaise(teamId, day),
      usd.toFixed(6),
      projectLimitUsd.toFixed(6),
      this.workspaceDailyUsd.toFixed(6),
      WORKSPACE_DAY_TTL_SECONDS,
    )) as string[];
    const [scope, spent, limit] = answer;
    if (scope === 'project' || scope === 'workspace')
      throw new BudgetExceededError(scope, Number(spent), Number(limit), usd);
    return { projectId, teamId, day, usd };
  }

  /** Replaces a reservation by what the call did cost (0 when it failed before the provider billed it). */
  async settle(reservation: Reservation, actualUsd: number): Promise<void> {
    const delta = (actualUsd - reservation.usd).toFixed(6);
    await this.redis
      .multi()
      .incrbyfloat(this.keys.projectSpend(reservation.projectId), delta)
      .incrbyfloat(this.keys.workspaceSpend(reservation.teamId, reservation.day), delta)
      .exec();
  }

  /** Raise budget on a workspace hold: today's ceiling goes up by `usd`, once per `raiseId`. */
  async raiseWorkspace(teamId: string, usd: number, raiseId: string): Promise<void> {
    const day = utcDay(this.now());
    await runScript(
      this.redis,
      RAISE_SCRIPT,
      2,
      this.keys.workspaceRaise(teamId, day),
      this.keys.workspaceRaiseApplied(teamId, day, raiseId),
      usd.toFixed(6),
      WORKSPACE_DAY_TTL_SECONDS,
    );
  }

  /** What a project has spent or committed, in USD. */
  async projectSpent(projectId: string): Promise<number> {
    return Number((await this.redis.get(this.keys.projectSpend(projectId))) ?? '0');
  }
}
