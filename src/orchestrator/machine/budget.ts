import { assertNever } from '../../domain/assert-never.js';
import type { OrchestratorEvent } from '../../domain/events.js';
import { messageKeys } from '../../domain/ids.js';
import { staleReason } from '../../domain/phases.js';
import type { BudgetHold } from '../../domain/project.js';
import { spentOnWhat } from '../../domain/spending.js';
import { notes, refusals, say } from '../../domain/texts.js';
import type { View } from '../../domain/views.js';
import { askClarification, startRun } from './clarify.js';
import { requestPlan } from './plan.js';
import { DEFAULT_WORKSPACE_DAILY_BUDGET_USD } from './settings.js';
import { advance, parkQueuedStages } from './stages.js';
import type { Step } from './step.js';
import { requestSummary } from './summary.js';

/** Budget holds: a call refused at the budget pauses the run and asks; Raise budget or Stop answers. */

/** A model call was refused at the budget: pause the work before it, and ask whether to spend more. */
export function onBudgetExceeded(
  s: Step,
  event: Extract<OrchestratorEvent, { type: 'budget_exceeded' }>,
): void {
  const { job } = event;
  if (staleReason(s.project, job) !== undefined) return;
  if (s.project.phase !== 'running' && job.kind === 'stage') {
    // A stopped or failed run asks nobody: the stage waits, with a new attempt, for `resume`.
    const run = s.project.stages[job.stageId];
    if (run) s.setStage(job.stageId, { state: 'pending', attempt: run.attempt + 1 });
    return;
  }
  const first = !s.project.budgetHold;
  if (first) {
    s.project.budgetRounds += 1;
    s.project.budgetHold = {
      round: s.project.budgetRounds,
      scope: event.scope,
      spentUsd: event.spentUsd,
      limitUsd: event.limitUsd,
      callUsd: event.callUsd,
      held: [],
      heldStages: [],
    };
  }
  switch (job.kind) {
    case 'clarify':
      s.project.clarification.inFlight = false;
      holdAlso(s, 'clarify');
      break;
    case 'plan':
      holdAlso(s, 'plan');
      break;
    case 'summary':
      holdAlso(s, 'summary');
      break;
    case 'stage': {
      const run = s.project.stages[job.stageId];
      // Back to pending with a new attempt: the refused job is done with, and the stage is asked for anew.
      if (run) s.setStage(job.stageId, { state: 'pending', attempt: run.attempt + 1 });
      const hold = s.project.budgetHold;
      if (hold && !hold.heldStages.includes(job.stageId)) hold.heldStages.push(job.stageId);
      break;
    }
    default:
      assertNever(job);
  }
  if (first) {
    const hold = s.project.budgetHold as BudgetHold;
    s.decide('budget_hold', notes.budgetHold(event.callUsd, hold.scope, hold.spentUsd, hold.limitUsd));
    s.post(messageKeys.budget(hold.round), budgetView(s, hold));
  }
  s.statusDirty = true;
}

export function holdAlso(s: Step, work: 'clarify' | 'plan' | 'summary'): void {
  const hold = s.project.budgetHold;
  if (hold && !hold.held.includes(work)) hold.held.push(work);
}

export function raisedLimit(s: Step, hold: BudgetHold): number {
  const base =
    hold.scope === 'project'
      ? (s.project.budget?.baseUsd ?? s.budgetLimit())
      : (s.settings.workspaceDailyBudgetUsd ?? DEFAULT_WORKSPACE_DAILY_BUDGET_USD);
  return hold.limitUsd + base;
}

export function budgetView(
  s: Step,
  hold: BudgetHold,
  decision?: Extract<View, { type: 'budget' }>['decision'],
): View {
  return {
    type: 'budget',
    projectId: s.project.id,
    round: hold.round,
    scope: hold.scope,
    spentUsd: hold.spentUsd,
    limitUsd: hold.limitUsd,
    callUsd: hold.callUsd,
    raisedLimitUsd: raisedLimit(s, hold),
    spentOn: spentOnWhat(s.project),
    deciders: [...new Set([s.project.requesterId, ...s.settings.approverIds])],
    ...(decision ? { decision } : {}),
  };
}

/** Closes an undecided budget question (the run was cancelled or forgotten); its buttons go. */
export function closeBudgetHold(s: Step, note: string): void {
  const hold = s.project.budgetHold;
  if (!hold) return;
  s.effects.push({
    kind: 'thread_message',
    key: messageKeys.budget(hold.round),
    mode: 'upsert',
    view: budgetView(s, hold, { verdict: 'closed', at: s.settings.now, note }),
  });
  s.project.budgetHold = undefined;
}

export function onBudgetDecision(
  s: Step,
  event: Extract<OrchestratorEvent, { type: 'budget_decision' }>,
): void {
  const { userId, eventId: key } = event;
  const hold = s.project.budgetHold;
  if (!s.clickedHere(event.origin) || !hold || hold.round !== event.round) {
    s.refuse(key, userId, refusals.budgetQuestionGone());
    return;
  }
  if (!s.permits(event, event.verdict === 'raise' ? 'raise the budget' : 'stop the run', key)) return;
  s.project.budgetHold = undefined;
  if (event.verdict === 'stop') {
    s.effects.push({
      kind: 'thread_message',
      key: messageKeys.budget(hold.round),
      mode: 'upsert',
      view: budgetView(s, hold, { verdict: 'stopped', by: userId, at: s.settings.now }),
    });
    s.decide('budget_stop', notes.budgetStopped(userId), { by: userId });
    s.audit('budget_stop', userId);
    s.project.phase = 'stopped';
    s.project.stopReason = notes.budgetStopped(userId);
    s.project.clarification.inFlight = false;
    parkQueuedStages(s);
    s.statusDirty = true;
    s.notice(messageKeys.reply('budget', key), 'warning', say.budgetStopped(userId));
    return;
  }
  const newLimit = raisedLimit(s, hold);
  if (hold.scope === 'project') {
    const base = s.project.budget?.baseUsd ?? s.budgetLimit();
    s.project.budget = { limitUsd: newLimit, baseUsd: base };
  } else {
    s.effects.push({
      kind: 'raise_workspace_budget',
      key: messageKeys.reply('budget-raise', key),
      teamId: s.project.teamId,
      amountUsd: newLimit - hold.limitUsd,
    });
  }
  s.effects.push({
    kind: 'thread_message',
    key: messageKeys.budget(hold.round),
    mode: 'upsert',
    view: budgetView(s, hold, { verdict: 'raised', by: userId, at: s.settings.now }),
  });
  s.decide('budget_raised', notes.budgetRaised(hold.scope, newLimit, userId), {
    by: userId,
  });
  s.audit('budget_raise', userId, { note: `${hold.scope} budget now $${newLimit.toFixed(2)}` });
  s.statusDirty = true;
  for (const work of hold.held) {
    switch (work) {
      case 'clarify':
        if (s.project.phase !== 'clarifying') break;
        if (s.project.clarification.goRequested) startRun(s, true);
        else askClarification(s);
        break;
      case 'plan':
        if (s.project.phase === 'planning') requestPlan(s);
        break;
      case 'summary':
        if (s.project.phase === 'summarizing') requestSummary(s);
        break;
      default:
        assertNever(work);
    }
  }
  advance(s);
}
