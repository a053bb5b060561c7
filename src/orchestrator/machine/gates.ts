import { approversOf, mayApprove } from '../../domain/authority.js';
import type { OrchestratorEvent } from '../../domain/events.js';
import { messageKeys } from '../../domain/ids.js';
import { notes, refusals, say } from '../../domain/texts.js';
import type { GateView } from '../../domain/views.js';
import {
  afterGateOpened,
  countApprove,
  gateDetails,
  gateRules,
  stopGateTimers,
  tellRequester,
} from './approvals.js';
import { advance, parkQueuedStages } from './stages.js';
import type { Step } from './step.js';

/** Approval gates: each opening is a new message with live buttons; clicks are checked against project, round and person. */

export function gateView(s: Step, stageId: string): GateView | undefined {
  const stage = s.stageList.find((st) => st.id === stageId);
  if (!stage) return undefined;
  const run = s.project.stages[stageId];
  return {
    type: 'gate',
    projectId: s.project.id,
    stageId,
    attempt: run?.attempt ?? 1,
    gateRound: run?.gateRound ?? 1,
    role: stage.role,
    task: stage.task,
    basis: stage.reads.map((dep) => ({ stageId: dep, summary: s.project.stages[dep]?.summary ?? '' })),
    approverIds: approversOf(s.project, s.settings.approverIds, s.settings.approvals?.groupId),
    ...gateDetails(s, stageId),
    ...(run?.decision ? { decision: run.decision } : {}),
  };
}

/** The message of the gate as it stands now: each time a gate opens it is a new message (new round). */
export function gateKey(s: Step, stageId: string): string {
  const run = s.project.stages[stageId];
  return messageKeys.gate(stageId, run?.attempt ?? 1, run?.gateRound ?? 1);
}

/** Asks for approval in a new message with live buttons: a gate that opens again never reuses one. */
export function openGate(s: Step, stageId: string): void {
  const run = s.project.stages[stageId];
  if (!run) return;
  s.setStage(stageId, {
    state: 'awaiting_approval',
    gateRound: (run.gateRound ?? 0) + 1,
    approvals: [],
    gateOpenedAt: s.settings.now,
  });
  const view = gateView(s, stageId);
  if (view) s.post(gateKey(s, stageId), view);
  afterGateOpened(s, stageId);
}

/**
 * A gate ended the run (rejected, or expired): every other open gate closes saying `why` and waits again,
 * queued stages are parked, and the run stops with `stopReason`; `retry <stage>` or `resume` goes on.
 */
export function stopAtGate(s: Step, stageId: string, why: string, stopReason: string): void {
  for (const stage of s.stageList) {
    if (stage.id !== stageId && s.project.stages[stage.id]?.state === 'awaiting_approval') {
      closeGate(s, stage.id, why);
      s.setStage(stage.id, { state: 'pending' });
    }
  }
  s.project.phase = 'stopped';
  s.project.stopReason = stopReason;
  parkQueuedStages(s);
  s.statusDirty = true;
}

export function closeGate(s: Step, stageId: string, reason: string): void {
  stopGateTimers(s, stageId);
  const view = gateView(s, stageId);
  if (view) {
    s.effects.push({
      kind: 'thread_message',
      key: gateKey(s, stageId),
      mode: 'upsert',
      view: { ...view, closedReason: reason },
    });
  }
}

export function onGateDecision(s: Step, event: Extract<OrchestratorEvent, { type: 'gate_decision' }>): void {
  const { stageId, verdict, userId, eventId: key } = event;
  const run = s.project.stages[stageId];
  if (!s.clickedHere(event.origin) || !run) {
    s.refuse(key, userId, refusals.notThisProjectsGate());
    return;
  }
  if (run.state !== 'awaiting_approval') {
    s.refuse(
      key,
      userId,
      run.decision
        ? refusals.gateAlreadyDecided(stageId, run.decision.verdict, run.decision.by)
        : refusals.gateNotWaiting(stageId, run.state),
    );
    return;
  }
  if (event.attempt !== run.attempt || event.gateRound !== (run.gateRound ?? 1)) {
    s.refuse(key, userId, refusals.gateOutOfDate(stageId));
    return;
  }
  const permission = mayApprove(s.project, event, s.settings.approverIds, stageId, gateRules(s), verdict);
  if (!permission.allowed) {
    s.refuse(key, userId, permission.refusal);
    return;
  }
  // An Approve counts towards the quorum; the stage opens once it is met. A Reject decides at once.
  if (verdict === 'approve' && !countApprove(s, event)) return;
  const decision = {
    verdict: verdict === 'approve' ? ('approved' as const) : ('rejected' as const),
    by: userId,
    at: s.settings.now,
    ...(verdict === 'reject' && event.reason ? { reason: event.reason } : {}),
  };
  s.decide(decision.verdict, notes.decided(decision.verdict, userId), { by: userId, stageId });
  s.audit(verdict, userId, { stageId, reason: decision.reason });
  const messageKey = gateKey(s, stageId);
  tellRequester(s, stageId, decision.verdict, userId);
  stopGateTimers(s, stageId);
  if (verdict === 'approve') {
    s.setStage(stageId, { state: 'pending', decision });
    s.effects.push({
      kind: 'thread_message',
      key: messageKey,
      mode: 'upsert',
      view: { ...(gateView(s, stageId) as GateView), decision },
    });
    advance(s);
    return;
  }
  s.setStage(stageId, { state: 'rejected', decision, finishedAt: s.settings.now });
  s.effects.push({
    kind: 'thread_message',
    key: messageKey,
    mode: 'upsert',
    view: { ...(gateView(s, stageId) as GateView), decision },
  });
  stopAtGate(s, stageId, 'the run stopped after a rejection', notes.rejected(stageId, userId));
  if (decision.reason)
    s.notice(
      messageKeys.rejected(stageId, run.attempt),
      'warning',
      say.rejectedWithReason(userId, stageId),
      decision.reason,
    );
  else s.notice(messageKeys.rejected(stageId, run.attempt), 'warning', say.rejected(userId, stageId));
}
