import type { Plan } from './plan.js';
import type { StageRun } from './project.js';

export interface ScheduleDecision {
  /** Stages whose inputs are done and that need a human click before they may run. */
  toGate: string[];
  /** Stages to hand to the agents now, within the project's concurrency limit. */
  toQueue: string[];
}

/** Which pending stages can move, in plan order. Pure: the caller applies the decision. */
export function scheduleStages(
  plan: Plan,
  stages: Readonly<Record<string, StageRun>>,
  concurrency: number,
): ScheduleDecision {
  const inFlight = Object.values(stages).filter((s) => s.state === 'queued' || s.state === 'running').length;
  let free = Math.max(0, concurrency - inFlight);
  const decision: ScheduleDecision = { toGate: [], toQueue: [] };
  for (const stage of plan.stages) {
    const run = stages[stage.id];
    if (run?.state !== 'pending') continue;
    const ready = stage.reads.every((dep) => stages[dep]?.state === 'done');
    if (!ready) continue;
    if (stage.needsApproval && run.decision?.verdict !== 'approved') {
      decision.toGate.push(stage.id);
    } else if (free > 0) {
      decision.toQueue.push(stage.id);
      free -= 1;
    }
  }
  return decision;
}

/**
 * True when nothing more will run: every stage is done, skipped, or failed with `onFailure: continue`.
 * The run then goes on to its summary.
 */
export function runSettled(plan: Plan, stages: Readonly<Record<string, StageRun>>): boolean {
  return plan.stages.every((s) => {
    const state = stages[s.id]?.state;
    return state === 'done' || state === 'skipped' || (state === 'failed' && s.onFailure === 'continue');
  });
}
