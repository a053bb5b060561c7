import { type ApproverRules, type GateActor, mayApprove, type Permission } from './authority.js';
import { type GateButton, projectIdFor } from './ids.js';
import type { Project } from './project.js';
import { refusals } from './texts.js';

/**
 * Whether `actor` may decide the gate a button names, right now: the button belongs to the project of
 * the thread it was clicked in, the gate is still open at the attempt and round the button was posted
 * for, and the actor may approve. The same checks, in the same order and words, as the orchestrator's
 * (machine/gates.ts, `onGateDecision`), which stays the authority: the Reject listener asks this only to
 * know whether to open the reason modal, and asks again when the modal is submitted.
 */
export function mayDecideGate(
  project: Pick<Project, 'id' | 'teamId' | 'requesterId' | 'phase' | 'stages'> | undefined,
  gate: GateButton,
  origin: { teamId: string; channelId: string; threadTs: string },
  actor: GateActor,
  approverIds: readonly string[],
  rules: ApproverRules = {},
): Permission {
  const run = project?.stages[gate.stageId];
  if (
    !project ||
    project.phase === 'forgotten' ||
    project.id !== gate.projectId ||
    projectIdFor(origin.teamId, origin.channelId, origin.threadTs) !== project.id ||
    !run
  ) {
    return { allowed: false, refusal: refusals.notThisProjectsGate() };
  }
  if (run.state !== 'awaiting_approval') {
    return {
      allowed: false,
      refusal: run.decision
        ? refusals.gateAlreadyDecided(gate.stageId, run.decision.verdict, run.decision.by)
        : refusals.gateNotWaiting(gate.stageId, run.state),
    };
  }
  if (gate.attempt !== run.attempt || gate.gateRound !== (run.gateRound ?? 1)) {
    return { allowed: false, refusal: refusals.gateOutOfDate(gate.stageId) };
  }
  // Only rejections come through here (the Reject modal): self-approval rules do not bar a rejection.
  return mayApprove(project, actor, approverIds, gate.stageId, rules, 'reject');
}
