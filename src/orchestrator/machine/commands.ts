import { assertNever } from '../../domain/assert-never.js';
import { nextAttempt } from '../../domain/attempts.js';
import { parseThreadCommand } from '../../domain/commands.js';
import type { MessageEvent } from '../../domain/events.js';
import { messageKeys } from '../../domain/ids.js';
import { isActive, isResumable } from '../../domain/phases.js';
import { ROLE_IDS } from '../../domain/roles.js';
import { HELP_TEXT, notes, say } from '../../domain/texts.js';
import { closeBudgetHold } from './budget.js';
import { askClarification, go, onText } from './clarify.js';
import { askForget } from './forget.js';
import { closeGate } from './gates.js';
import { requestPlan } from './plan.js';
import { advance } from './stages.js';
import { statusView } from './status.js';
import type { Step } from './step.js';

/** Thread commands: status, help, cancel, resume, retry, memory, forget; who may use them is checked first. */

export function onThreadMessage(s: Step, event: MessageEvent): void {
  const command = parseThreadCommand(event.text);
  const key = event.eventId;
  switch (command.kind) {
    case 'status':
      s.post(messageKeys.reply('status-reply', key), { ...statusView(s.project), reply: true });
      return;
    case 'status_picture':
      if (s.project.plan)
        s.effects.push({ kind: 'run_picture', key: messageKeys.reply('status-picture', key) });
      else s.notice(messageKeys.reply('status-picture', key), 'info', say.noPictureYet(s.project.phase));
      return;
    case 'help':
      s.notice(messageKeys.reply('help', key), 'info', HELP_TEXT);
      return;
    case 'audit':
      // Anyone who can read the thread (DESIGN, "Who may do what"): the trail is of what the thread showed.
      s.effects.push({ kind: 'audit_report', key: messageKeys.reply('audit', key) });
      return;
    case 'cancel':
      if (s.permits(event, 'cancel', key)) cancel(s, event.userId, key);
      return;
    case 'go':
      if (s.permits(event, 'go', key)) {
        if (s.project.phase === 'clarifying') s.audit('go', event.userId);
        go(s, key);
      }
      return;
    case 'resume':
      if (s.permits(event, 'resume', key)) resume(s, event.userId, key);
      return;
    case 'retry':
      if (s.permits(event, 'retry', key)) retry(s, command.stage, event.userId, key);
      return;
    case 'forget':
      if (s.permits(event, 'forget', key)) askForget(s, event.userId, key);
      return;
    case 'memory':
      if (s.permits(event, 'read agent memory', key)) memoryReport(s, command.role, event.userId, key);
      return;
    case 'text':
      onText(s, event, command.text, key);
      return;
    default:
      assertNever(command);
  }
}

export function cancel(s: Step, userId: string, key: string): void {
  if (!isActive(s.project.phase)) {
    s.notice(messageKeys.reply('cancel', key), 'info', say.nothingToCancel(s.project.phase));
    return;
  }
  let neverStarted = 0;
  let abandoned = 0;
  for (const stage of s.stageList) {
    const run = s.project.stages[stage.id];
    if (!run) continue;
    if (run.state === 'pending' || run.state === 'queued' || run.state === 'awaiting_approval') {
      neverStarted += 1;
      if (run.state === 'awaiting_approval') closeGate(s, stage.id, 'the run was cancelled');
      s.setStage(stage.id, { state: 'cancelled', finishedAt: s.settings.now });
    } else if (run.state === 'running') {
      abandoned += 1;
      s.setStage(stage.id, {
        state: 'cancelled',
        finishedAt: s.settings.now,
        error: 'abandoned by cancel',
      });
    }
  }
  closeBudgetHold(s, 'the run was cancelled');
  s.project.clarification.inFlight = false;
  s.project.phase = 'cancelled';
  s.decide('cancel', notes.cancelled(userId), { by: userId });
  s.audit('cancel', userId);
  s.project.stopReason = notes.cancelled(userId);
  s.statusDirty = true;
  s.notice(
    messageKeys.reply('cancel', key),
    'warning',
    say.cancelled(userId, s.project.plan ? { neverStarted, abandoned } : undefined),
  );
}

export function resume(s: Step, userId: string, key: string): void {
  const phase = s.project.phase;
  if (!isResumable(phase)) {
    s.notice(messageKeys.reply('resume', key), 'info', say.nothingToResume(phase));
    return;
  }
  s.project.stopReason = undefined;
  s.audit('resume', userId);
  if (!s.project.plan) {
    s.decide('resume', notes.resumed(userId, true), { by: userId });
    if (s.project.requirements) {
      // Stopped while the plan was being tailored: tailor it again.
      s.project.phase = 'planning';
      s.notice(messageKeys.reply('resume', key), 'info', say.resumed(userId, 'plan'));
      requestPlan(s);
    } else {
      s.project.phase = 'clarifying';
      s.project.clarification.inFlight = false;
      s.notice(messageKeys.reply('resume', key), 'info', say.resumed(userId, 'questions'));
      askClarification(s);
    }
    return;
  }
  for (const stage of s.stageList) {
    const run = s.project.stages[stage.id];
    if (!run || run.state === 'done' || run.state === 'running' || run.state === 'queued') continue;
    // A stage that ended runs as a new attempt; an approval not yet acted on is asked for again.
    const restarted = run.state !== 'pending' && run.state !== 'awaiting_approval';
    const { decision: _dropped, error: _error, ...rest } = run;
    s.project.stages[stage.id] = restarted ? nextAttempt(run) : { ...rest, state: 'pending' };
  }
  s.project.phase = 'running';
  s.statusDirty = true;
  s.decide('resume', notes.resumed(userId, false), { by: userId });
  s.notice(messageKeys.reply('resume', key), 'info', say.resumed(userId));
  advance(s);
}

export function retry(s: Step, stageRef: string, userId: string, key: string): void {
  const stage = s.stageList.find((st) => st.id === stageRef || st.role === stageRef);
  const run = stage ? s.project.stages[stage.id] : undefined;
  if (!stage || !run) {
    s.notice(
      messageKeys.reply('retry', key),
      'warning',
      say.noSuchStage(
        echoable(stageRef),
        s.stageList.map((st) => st.id),
      ),
    );
    return;
  }
  if (run.state !== 'failed' && run.state !== 'rejected' && run.state !== 'cancelled') {
    s.notice(messageKeys.reply('retry', key), 'info', say.cannotRetry(stage.id, run.state));
    return;
  }
  s.project.stages[stage.id] = nextAttempt(run);
  if (!isActive(s.project.phase)) {
    s.project.phase = 'running';
    s.project.stopReason = undefined;
  }
  s.statusDirty = true;
  s.decide('retry', notes.retry(stage.id, run.attempt + 1, userId), {
    by: userId,
    stageId: stage.id,
  });
  s.audit('retry', userId, { stageId: stage.id, note: `attempt ${run.attempt + 1}` });
  s.notice(messageKeys.reply('retry', key), 'info', say.retrying(stage.id, run.attempt + 1, userId));
  advance(s);
}

export function memoryReport(s: Step, roleRef: string, userId: string, key: string): void {
  const role = ROLE_IDS.find((r) => r === roleRef);
  if (!role) {
    s.notice(messageKeys.reply('memory', key), 'warning', say.noSuchRole(echoable(roleRef), ROLE_IDS));
    return;
  }
  s.effects.push({ kind: 'memory_report', key: messageKeys.reply('memory', key), role, userId });
  s.audit('memory_read', userId, { note: role });
}

/** Words a person typed after a command (a stage or role name): shown back only when they look like one. */
function echoable(ref: string): string | undefined {
  return /^[a-z0-9][a-z0-9.-]{0,70}$/.test(ref) ? ref : undefined;
}
