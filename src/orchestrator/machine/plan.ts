import { messageKeys } from '../../domain/ids.js';
import {
  acceptTailoredPlan,
  defaultPlan,
  type Plan,
  planProblems,
  type TailoredPlan,
} from '../../domain/plan.js';
import type { Project } from '../../domain/project.js';
import { defaultRequirements } from '../../domain/requirements.js';
import { forecastPlan } from '../../domain/spending.js';
import { notes, say } from '../../domain/texts.js';
import { addUsage } from '../../domain/usage.js';
import { holdAlso } from './budget.js';
import { advance } from './stages.js';
import type { Step } from './step.js';

/** The plan: asking the project manager to tailor it, checking it, falling back to the default, starting the run. */

/** Asks the project manager to tailor the plan; each request is a new round, so a re-plan is new work. */
export function requestPlan(s: Step): void {
  if (s.project.budgetHold) {
    holdAlso(s, 'plan');
    return;
  }
  s.project.planRound += 1;
  s.modelWork({ kind: 'plan', projectId: s.project.id, round: s.project.planRound });
}

export function onPlanDone(s: Step, round: number, output: TailoredPlan, usage: Project['usage']): void {
  if (s.project.phase !== 'planning' || round !== s.project.planRound) return;
  s.project.usage = addUsage(s.project.usage, usage);
  const { plan, problems } = acceptTailoredPlan(output);
  if (problems.length > 0) {
    useDefaultPlan(s, 'the tailored plan was invalid', problems.slice(0, 5).join('; '));
    return;
  }
  s.decide('plan', output.rationale);
  beginRun(s, plan, output.rationale);
}

export function onPlanFailed(s: Step, round: number, error: string): void {
  if (s.project.phase !== 'planning' || round !== s.project.planRound) return;
  useDefaultPlan(s, 'the model could not tailor a plan', error);
}

export function useDefaultPlan(s: Step, why: string, detail: string): void {
  s.decide('plan_fallback', `${why}: ${detail}`);
  s.notice(messageKeys.planFallback(s.project.planRound), 'warning', say.defaultPlan(why), detail);
  const requirements = s.project.requirements ?? defaultRequirements(s.project.request);
  beginRun(s, defaultPlan(requirements), notes.defaultPlanRationale(why));
}

export function beginRun(s: Step, plan: Plan, rationale: string): void {
  const problems = planProblems(plan);
  if (problems.length > 0) {
    s.project.phase = 'failed';
    s.project.stopReason = 'the plan is invalid';
    s.notice(messageKeys.planInvalid(s.project.planRound), 'error', say.invalidPlan(), problems.join('; '));
    return;
  }
  const requirements = s.project.requirements ?? defaultRequirements(s.project.request);
  s.project.plan = plan;
  s.project.planRationale = rationale;
  s.project.phase = 'running';
  s.project.stages = Object.fromEntries(plan.stages.map((st) => [st.id, { state: 'pending', attempt: 1 }]));
  const forecast = s.settings.forecast ? forecastPlan(plan, s.settings.forecast) : undefined;
  s.post(messageKeys.plan(s.project.planRound), {
    type: 'plan',
    plan,
    requirements,
    assumptions: s.project.clarification.last?.assumptions ?? [],
    defaultsUsed: s.project.defaultsUsed ?? false,
    rationale,
    ...(forecast
      ? {
          forecast: {
            ...forecast,
            budgetUsd: s.budgetLimit(),
            ...(s.settings.forecast?.reviews ? { reviewed: true } : {}),
          },
        }
      : {}),
  });
  s.statusDirty = true;
  advance(s);
}
