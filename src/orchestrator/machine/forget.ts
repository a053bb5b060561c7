import type { OrchestratorEvent } from '../../domain/events.js';
import { messageKeys } from '../../domain/ids.js';
import { notes, refusals } from '../../domain/texts.js';
import { closeBudgetHold } from './budget.js';
import { closeGate } from './gates.js';
import type { Step } from './step.js';

/** `forget`: the confirmation, and keeping nothing but the thread’s coordinates. */

export function askForget(s: Step, userId: string, key: string): void {
  const confirmKey = messageKeys.reply('forget', key);
  s.project.openForgetKeys = [...s.project.openForgetKeys, confirmKey].slice(-5);
  s.audit('forget_asked', userId);
  s.post(confirmKey, {
    type: 'forget_confirm',
    projectId: s.project.id,
    confirmKey,
    askedBy: userId,
  });
}

export function onForgetDecision(
  s: Step,
  event: Extract<OrchestratorEvent, { type: 'forget_decision' }>,
): void {
  const { verdict, userId, confirmKey, eventId: key } = event;
  if (!s.clickedHere(event.origin) || !s.project.openForgetKeys.includes(confirmKey)) {
    s.refuse(key, userId, refusals.forgetQuestionGone());
    return;
  }
  if (!s.permits(event, 'forget', key)) return;
  s.audit(verdict, userId);
  s.project.openForgetKeys = s.project.openForgetKeys.filter((k) => k !== confirmKey);
  const decision = {
    verdict: verdict === 'forget' ? ('forgotten' as const) : ('kept' as const),
    by: userId,
    at: s.settings.now,
  };
  s.effects.push({
    kind: 'thread_message',
    key: confirmKey,
    mode: 'upsert',
    view: { type: 'forget_confirm', projectId: s.project.id, confirmKey, askedBy: userId, decision },
  });
  if (verdict === 'keep') return;

  // Stop whatever runs, close open gates and questions, then keep nothing but the thread's coordinates.
  const deliverables: Array<{ stageId: string; attempt: number }> = [];
  for (const stage of s.stageList) {
    const run = s.project.stages[stage.id];
    if (!run) continue;
    if (run.state === 'awaiting_approval') closeGate(s, stage.id, 'the project was forgotten');
    for (let attempt = 1; attempt <= run.attempt; attempt++)
      deliverables.push({ stageId: stage.id, attempt });
  }
  closeBudgetHold(s, 'the project was forgotten');
  const p = s.project;
  p.phase = 'forgotten';
  p.request = '';
  p.clarification = {
    round: p.clarification.round,
    inFlight: false,
    goRequested: false,
    unseenAnswers: 0,
    transcript: [],
  };
  p.requirements = undefined;
  p.defaultsUsed = undefined;
  p.plan = undefined;
  p.planRationale = undefined;
  p.stages = {};
  p.summary = undefined;
  p.filesPublication = undefined;
  p.stopReason = undefined;
  p.openForgetKeys = [];
  p.decisions = [{ at: s.settings.now, kind: 'forget', by: userId, note: notes.forgotten(userId) }];
  s.effects.push({ kind: 'forget', key: confirmKey, deliverables, userId });
}
