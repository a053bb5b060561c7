import type { OrchestratorEvent } from './events.js';
import { eventIds } from './ids.js';

/**
 * The arithmetic of a gate: how approvals add up to a quorum, and when a gate reminds and expires. Pure:
 * who may approve at all is `authority.ts`; the state machine applies what these say.
 */

/** One approver's Approve on the current round of a gate. */
export interface Approval {
  by: string;
  at: number;
}

export const DEFAULT_APPROVALS_REQUIRED = 1;
/** GATE_TIMEOUT_HOURS' default, 72 hours. */
export const DEFAULT_GATE_TIMEOUT_MS = 72 * 60 * 60 * 1000;

export type ApprovalCount =
  /** This person's Approve is already counted on this round: the same person twice counts once. */
  | { kind: 'already'; approvals: Approval[] }
  /** Counted; `met` when the round now has the approvals it needs. */
  | { kind: 'counted'; approvals: Approval[]; met: boolean };

/** Adds `by`'s Approve to the round's approvals, once per person; says whether the quorum is met. */
export function countApproval(
  approvals: readonly Approval[],
  by: string,
  at: number,
  required: number,
): ApprovalCount {
  if (approvals.some((a) => a.by === by)) return { kind: 'already', approvals: [...approvals] };
  const counted = [...approvals, { by, at }];
  return { kind: 'counted', approvals: counted, met: counted.length >= Math.max(1, required) };
}

export type GateTimerKind = 'reminder' | 'expiry';

/** When a gate opened at `openedAt` reminds its approvers (half time) and expires. */
export function gateSchedule(openedAt: number, timeoutMs: number): { remindAt: number; expiresAt: number } {
  return { remindAt: openedAt + Math.floor(timeoutMs / 2), expiresAt: openedAt + timeoutMs };
}

/** "72 hours", "1.5 hours", "30 minutes", "2 seconds": how long a gate waits, as the thread says it. */
export function describeWait(ms: number): string {
  const units: Array<[number, string]> = [
    [60 * 60 * 1000, 'hour'],
    [60 * 1000, 'minute'],
    [1000, 'second'],
  ];
  for (const [size, name] of units) {
    if (ms < size) continue;
    const n = Math.round((ms / size) * 10) / 10;
    return `${n} ${name}${n === 1 ? '' : 's'}`;
  }
  return `${Math.max(0, Math.round(ms))} ms`;
}

/** The event a gate timer delivers when it comes due; its id names the round, and is the delayed job's id. */
export function gateTimerEvent(
  projectId: string,
  timer: { stageId: string; attempt: number; gateRound: number; timer: GateTimerKind },
): Extract<OrchestratorEvent, { type: 'gate_timer' }> {
  return {
    type: 'gate_timer',
    eventId: eventIds.gateTimer(projectId, timer.stageId, timer.attempt, timer.gateRound, timer.timer),
    projectId,
    stageId: timer.stageId,
    attempt: timer.attempt,
    gateRound: timer.gateRound,
    timer: timer.timer,
  };
}
