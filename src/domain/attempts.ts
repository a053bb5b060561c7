import type { EarlierAttempt, StageRun } from './project.js';

/** Earlier attempts kept per stage: enough for the run picture, bounded so a retry loop cannot grow a record. */
export const EARLIER_ATTEMPTS_KEPT = 10;

/**
 * The stage run as its next attempt, pending: the attempt that ended (if it ran or waited at a gate) is
 * kept in `earlierAttempts`, and its times, decision and error are cleared so the new attempt shows only
 * its own.
 */
export function nextAttempt(run: StageRun): StageRun {
  const {
    decision,
    error: _error,
    startedAt,
    finishedAt,
    queuedAt: _queuedAt,
    gateOpenedAt,
    earlierAttempts = [],
    ...rest
  } = run;
  const ended: EarlierAttempt = {
    attempt: run.attempt,
    state: run.state,
    ...(startedAt !== undefined ? { startedAt } : {}),
    ...(finishedAt !== undefined ? { finishedAt } : {}),
    ...(gateOpenedAt !== undefined ? { gateOpenedAt } : {}),
    ...(decision ? { gateDecidedAt: decision.at } : {}),
  };
  const keep = startedAt !== undefined || gateOpenedAt !== undefined;
  const kept = keep ? [...earlierAttempts, ended].slice(-EARLIER_ATTEMPTS_KEPT) : earlierAttempts;
  return {
    ...rest,
    state: 'pending',
    attempt: run.attempt + 1,
    ...(kept.length > 0 ? { earlierAttempts: kept } : {}),
  };
}
