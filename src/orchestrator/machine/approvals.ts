import {
  type Approval,
  countApproval,
  DEFAULT_APPROVALS_REQUIRED,
  DEFAULT_GATE_TIMEOUT_MS,
  describeWait,
  type GateTimerKind,
  gateSchedule,
} from '../../domain/approval.js';
import { approversOf } from '../../domain/authority.js';
import type { OrchestratorEvent } from '../../domain/events.js';
import { messageKeys } from '../../domain/ids.js';
import { forecastStageUsd } from '../../domain/spending.js';
import { dms, notes, refusals, say } from '../../domain/texts.js';
import type { GateView } from '../../domain/views.js';
import { closeGate, gateKey, gateView, stopAtGate } from './gates.js';
import type { Step } from './step.js';

/**
 * Approvals that scale: the quorum of distinct approvers, what a gate shows beyond its task (risks, spend,
 * deciders, deadline), the direct messages a gate sends, and its reminder and expiry. gates.ts decides who
 * may click and what a decision does; this module adds up approvals and keeps time.
 */

/** The gate rules with their defaults filled in. */
export function gateRules(s: Step) {
  const a = s.settings.approvals ?? {};
  return {
    groupId: a.groupId,
    required: a.required ?? DEFAULT_APPROVALS_REQUIRED,
    allowSelfApproval: a.allowSelfApproval ?? true,
    timeoutMs: a.gateTimeoutMs ?? DEFAULT_GATE_TIMEOUT_MS,
  };
}

/** At most this many risk lines on a gate, and per stage it builds on. */
const RISKS_SHOWN = 6;
const RISKS_PER_STAGE = 3;

/** What a gate shows beyond its task and basis: deciders' group, approvals so far, risks, spend, deadline. */
export function gateDetails(s: Step, stageId: string): Partial<GateView> {
  const stage = s.stageList.find((st) => st.id === stageId);
  const run = s.project.stages[stageId];
  const rules = gateRules(s);
  const risks = (stage?.reads ?? [])
    .flatMap((dep) =>
      (s.project.stages[dep]?.risks ?? []).slice(0, RISKS_PER_STAGE).map((text) => ({ stageId: dep, text })),
    )
    .slice(0, RISKS_SHOWN);
  const forecast = s.settings.forecast;
  const still = s.stageList.filter((st) => {
    const state = s.project.stages[st.id]?.state;
    return state !== 'done' && state !== 'skipped';
  });
  return {
    ...(rules.groupId ? { approverGroupId: rules.groupId } : {}),
    approvals: run?.approvals ?? [],
    approvalsRequired: rules.required,
    risks,
    spend: {
      spentUsd: s.project.usage.costUsd,
      ...(forecast
        ? { restForecastUsd: still.reduce((sum, st) => sum + forecastStageUsd(st, forecast), 0) }
        : {}),
      budgetUsd: s.budgetLimit(),
    },
    ...(run?.gateOpenedAt !== undefined
      ? { expiresAt: gateSchedule(run.gateOpenedAt, rules.timeoutMs).expiresAt }
      : {}),
  };
}

/**
 * A gate round just opened (its message is posted): set its reminder and expiry, and write to each
 * configured decider with a link to it.
 */
export function afterGateOpened(s: Step, stageId: string): void {
  const run = s.project.stages[stageId];
  if (!run || run.gateOpenedAt === undefined) return;
  const rules = gateRules(s);
  const gateRound = run.gateRound ?? 1;
  const { remindAt, expiresAt } = gateSchedule(run.gateOpenedAt, rules.timeoutMs);
  for (const [timer, fireAt] of [
    ['reminder', remindAt],
    ['expiry', expiresAt],
  ] as Array<[GateTimerKind, number]>) {
    s.effects.push({
      kind: 'gate_timer',
      key: `${timer}.${gateKey(s, stageId)}`,
      stageId,
      attempt: run.attempt,
      gateRound,
      timer,
      fireAt,
    });
  }
  // Only configured deciders are written to; with none configured the requester decides, in the thread.
  if (s.settings.approverIds.length === 0 && rules.groupId === undefined) return;
  s.effects.push({
    kind: 'direct_messages',
    key: messageKeys.gateOpenedDms(stageId, run.attempt, gateRound),
    userIds: [...s.settings.approverIds],
    ...(rules.groupId ? { groupId: rules.groupId } : {}),
    linkTo: gateKey(s, stageId),
    view: {
      type: 'notice',
      tone: 'info',
      text: dms.approvalNeeded({
        stageId,
        channelId: s.project.channelId,
        requesterId: s.project.requesterId,
        required: rules.required,
        expiresIn: describeWait(rules.timeoutMs),
      }),
    },
  });
}

/** The gate round of `stageId` is closing: its reminder and expiry, if still waiting, are dropped. */
export function stopGateTimers(s: Step, stageId: string): void {
  const run = s.project.stages[stageId];
  if (!run) return;
  s.effects.push({
    kind: 'cancel_gate_timers',
    key: `cancel-timers.${gateKey(s, stageId)}`,
    stageId,
    attempt: run.attempt,
    gateRound: run.gateRound ?? 1,
  });
}

/**
 * An authorised Approve on a live round: counted once per person. Returns the approvals when they now meet
 * the quorum (the caller opens the stage); otherwise the gate message shows the count, keeps its buttons,
 * and undefined comes back.
 */
export function countApprove(
  s: Step,
  event: Extract<OrchestratorEvent, { type: 'gate_decision' }>,
): Approval[] | undefined {
  const { stageId, userId } = event;
  const run = s.project.stages[stageId];
  if (!run) return undefined;
  const { required } = gateRules(s);
  const count = countApproval(run.approvals ?? [], userId, s.settings.now, required);
  if (count.kind === 'already') {
    s.refuse(event.eventId, userId, refusals.alreadyApproved(stageId, count.approvals.length, required));
    return undefined;
  }
  s.setStage(stageId, { approvals: count.approvals });
  if (count.met) return count.approvals;
  s.decide('approved', notes.approvalCounted(userId, count.approvals.length, required), {
    by: userId,
    stageId,
  });
  s.effects.push({
    kind: 'thread_message',
    key: gateKey(s, stageId),
    mode: 'upsert',
    view: gateView(s, stageId) as GateView,
  });
  return undefined;
}

/** The requester hears of a decision someone else made, in a direct message linking to the gate. */
export function tellRequester(s: Step, stageId: string, verdict: 'approved' | 'rejected', by: string): void {
  const run = s.project.stages[stageId];
  if (!run || by === s.project.requesterId) return;
  s.effects.push({
    kind: 'direct_messages',
    key: messageKeys.gateDecidedDm(stageId, run.attempt, run.gateRound ?? 1),
    userIds: [s.project.requesterId],
    linkTo: gateKey(s, stageId),
    view: {
      type: 'notice',
      tone: verdict === 'approved' ? 'info' : 'warning',
      text: dms.decided({ stageId, channelId: s.project.channelId, verdict, by }),
    },
  });
}

/** A gate's timer came due: remind at half time, expire at the end; a timer of another round does nothing. */
export function onGateTimer(s: Step, event: Extract<OrchestratorEvent, { type: 'gate_timer' }>): void {
  const run = s.project.stages[event.stageId];
  if (
    run?.state !== 'awaiting_approval' ||
    run.attempt !== event.attempt ||
    (run.gateRound ?? 1) !== event.gateRound
  )
    return;
  if (event.timer === 'reminder') remind(s, event.stageId);
  else expire(s, event.stageId);
}

function remind(s: Step, stageId: string): void {
  const run = s.project.stages[stageId];
  if (!run || run.gateOpenedAt === undefined) return;
  const rules = gateRules(s);
  const approved = new Set((run.approvals ?? []).map((a) => a.by));
  // Only deciders from the configuration (or the requester when there are none): never a name a model wrote.
  const people = approversOf(s.project, s.settings.approverIds, rules.groupId).filter(
    (id) => !approved.has(id),
  );
  s.post(messageKeys.gateReminder(stageId, run.attempt, run.gateRound ?? 1), {
    type: 'gate_reminder',
    stageId,
    mentionUserIds: people,
    ...(rules.groupId ? { mentionGroupId: rules.groupId } : {}),
    approvals: approved.size,
    approvalsRequired: rules.required,
    expiresAt: gateSchedule(run.gateOpenedAt, rules.timeoutMs).expiresAt,
  });
}

/**
 * Not approved in time: the gate reads as not approved, and the run settles as it does after a Reject
 * (stopped, other open gates closed, queued stages parked); `retry <stage>` opens a new round.
 */
function expire(s: Step, stageId: string): void {
  const run = s.project.stages[stageId];
  if (!run) return;
  const waited = describeWait(gateRules(s).timeoutMs);
  closeGate(s, stageId, `not approved within ${waited}, so it expired`);
  s.setStage(stageId, {
    state: 'rejected',
    error: `not approved within ${waited}`,
    finishedAt: s.settings.now,
  });
  s.decide('gate_expired', notes.gateExpired(stageId, waited), { stageId });
  stopAtGate(s, stageId, 'the run stopped after another gate expired', notes.gateExpired(stageId, waited));
  s.notice(
    messageKeys.gateExpired(stageId, run.attempt, run.gateRound ?? 1),
    'warning',
    say.gateExpired(stageId, waited),
  );
}
