import type { OrchestratorEvent } from '../../domain/events.js';
import { messageKeys } from '../../domain/ids.js';
import { runSettled, scheduleStages } from '../../domain/schedule.js';
import { notes, say } from '../../domain/texts.js';
import { addUsage } from '../../domain/usage.js';
import { closeGate, openGate } from './gates.js';
import type { Step } from './step.js';
import { requestSummary } from './summary.js';

/** Stages: scheduling, results, failures, and settling a run that nothing can move. */

export function onStageStarted(s: Step, stageId: string, attempt: number): void {
  const run = s.currentRun(stageId, attempt);
  if (run?.state !== 'queued') return;
  s.setStage(stageId, { state: 'running', startedAt: s.settings.now });
}

export function onStageDone(s: Step, event: Extract<OrchestratorEvent, { type: 'stage_done' }>): void {
  const { stageId, attempt, summary, usage } = event;
  const run = s.currentRun(stageId, attempt);
  if (!run || (run.state !== 'queued' && run.state !== 'running')) return;
  const stage = s.stageList.find((st) => st.id === stageId);
  s.project.usage = addUsage(s.project.usage, usage);
  s.setStage(stageId, {
    state: 'done',
    summary,
    ...(event.risks && event.risks.length > 0 ? { risks: event.risks } : {}),
    // An earlier attempt's review and files must not stay with this one.
    review: event.review,
    files: event.files,
    usage,
    spentUsd: (run.spentUsd ?? 0) + usage.costUsd,
    model: event.model,
    degraded: event.degraded,
    jobAttempts: event.jobAttempts,
    finishedAt: s.settings.now,
  });
  if (event.degraded) s.decide('fallback_model', notes.fallbackModel(event.model), { stageId });
  s.post(messageKeys.stageNote(stageId, attempt), {
    type: 'stage_note',
    stageId,
    role: stage?.role ?? stageId,
    outcome: 'done',
    text: summary,
    ...(event.degraded ? { fallbackModel: event.model } : {}),
    ...(event.review ? { review: event.review } : {}),
    ...(event.reviewCaveat ? { reviewCaveat: event.reviewCaveat } : {}),
    ...(event.files ? { files: event.files } : {}),
  });
  advance(s);
}

export function onStageFailed(s: Step, stageId: string, attempt: number, error: string): void {
  const run = s.currentRun(stageId, attempt);
  if (!run || (run.state !== 'queued' && run.state !== 'running')) return;
  const stage = s.stageList.find((st) => st.id === stageId);
  s.setStage(stageId, { state: 'failed', error, finishedAt: s.settings.now });
  const goesOn = stage?.onFailure === 'continue' && s.project.phase === 'running';
  const skipped = goesOn ? skipDependents(s, stageId) : [];
  s.post(messageKeys.stageNote(stageId, attempt), {
    type: 'stage_note',
    stageId,
    role: stage?.role ?? stageId,
    outcome: 'failed',
    text: say.stageFailedNote(error, stageId, goesOn, skipped),
  });
  if (goesOn) {
    advance(s);
  } else if (s.project.phase === 'running') {
    s.project.phase = 'failed';
    s.project.stopReason = notes.stageFailed(stageId);
    parkQueuedStages(s);
  }
}

/**
 * The run stopped: stages handed to the queue but not started go back to pending with a new attempt,
 * so their queued jobs are dropped unrun (worker's attempt check) and `resume` starts them afresh.
 */
export function parkQueuedStages(s: Step): void {
  for (const stage of s.stageList) {
    const run = s.project.stages[stage.id];
    if (run?.state === 'queued') s.setStage(stage.id, { state: 'pending', attempt: run.attempt + 1 });
  }
}

/** Marks every pending stage that (transitively) reads `failedId` as skipped; returns their ids. */
export function skipDependents(s: Step, failedId: string): string[] {
  const skipped: string[] = [];
  const blocked = new Set([failedId]);
  for (const stage of s.stageList) {
    if (!stage.reads.some((dep) => blocked.has(dep))) continue;
    blocked.add(stage.id);
    const run = s.project.stages[stage.id];
    if (run?.state === 'pending' || run?.state === 'awaiting_approval') {
      if (run.state === 'awaiting_approval') closeGate(s, stage.id, `${failedId} failed`);
      s.setStage(stage.id, { state: 'skipped', error: `skipped: ${failedId} failed` });
      skipped.push(stage.id);
    }
  }
  return skipped;
}

export function advance(s: Step): void {
  const plan = s.project.plan;
  if (!plan || s.project.phase !== 'running' || s.project.budgetHold) return;
  const decision = scheduleStages(plan, s.project.stages, s.settings.projectConcurrency);
  for (const stageId of decision.toGate) openGate(s, stageId);
  for (const stageId of decision.toQueue) {
    const run = s.project.stages[stageId];
    if (!run) continue;
    s.setStage(stageId, { state: 'queued', queuedAt: s.settings.now });
    s.modelWork({ kind: 'stage', projectId: s.project.id, stageId, attempt: run.attempt });
  }
  if (runSettled(plan, s.project.stages)) {
    s.project.phase = 'summarizing';
    s.statusDirty = true;
    requestSummary(s);
  }
}

/**
 * A running run with nothing in flight, nobody asked and nothing ready is stuck (a stage retried after
 * a cancel reads stages that will not run): settle it as stopped, saying why, so `resume` can move it.
 */
export function settleIfStuck(s: Step): void {
  const plan = s.project.plan;
  if (!plan || s.project.budgetHold) return;
  const runs = plan.stages.map((st) => s.project.stages[st.id]);
  const moving = runs.some(
    (r) => r?.state === 'queued' || r?.state === 'running' || r?.state === 'awaiting_approval',
  );
  if (moving || runSettled(plan, s.project.stages)) return;
  const blocked = plan.stages.filter((st) => {
    const state = s.project.stages[st.id]?.state;
    return state !== 'done' && state !== 'skipped';
  });
  s.project.phase = 'stopped';
  s.project.stopReason = 'nothing left can run until the stopped stages run again';
  s.statusDirty = true;
  s.notice(
    messageKeys.reply('settled', s.eventId),
    'warning',
    say.settledStopped(blocked.map((st) => st.id)),
  );
}
