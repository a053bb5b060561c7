import { asTailoredPlan, defaultPlan, type TailoredPlan } from '../../../domain/plan.js';
import { defaultRequirements } from '../../../domain/requirements.js';
import type { ModelPurpose } from '../provider.js';
import { seededRng } from './seed.js';
import { readSignals } from './signals.js';

type PlanPurpose = Extract<ModelPurpose, { job: 'plan' }>;
type TailoredStage = TailoredPlan['stages'][number];
type ChecklistAdjustment = NonNullable<TailoredStage['checklist']>;

/** A batch job serves no requests: its monitoring owes run health instead of request latency. */
const BATCH_MONITORING_CHECKLIST: ChecklistAdjustment = {
  drop: [
    {
      id: 'obs.latency',
      reason: 'batch scoring answers no requests, so there is no request latency to watch',
    },
  ],
  add: [
    {
      id: 'obs.batch-runs',
      text: 'Each scoring run watched: success, duration against its window, rows scored, and an alert when a run is late or fails.',
      blocking: true,
      reason: 'for a batch job, a late or failed run is what the business notices',
    },
  ],
};

/** A parallel experiment trains and evaluates one family; the chosen model is registered and promoted later. */
const EXPERIMENT_CHECKLIST: ChecklistAdjustment = {
  drop: [
    { id: 'mle.registry', reason: 'only the winning family is registered, by phase2.ml-engineer' },
    {
      id: 'mle.promotion-rules',
      reason: 'promotion rules are set once, for the winner, by phase2.ml-engineer',
    },
    { id: 'mle.retraining', reason: 'retraining is planned for the chosen model, not for each candidate' },
  ],
  add: [
    {
      id: 'mle.comparable-result',
      text: 'The target metric on the shared evaluation split with its confidence interval, so the two families compare fairly.',
      blocking: true,
      reason: 'the next stage picks a winner from these numbers',
    },
  ],
};

/** A fairness review judges a trained model; the features and model choice were settled in phase 1. */
const FAIRNESS_REVIEW_CHECKLIST: ChecklistAdjustment = {
  drop: [
    {
      id: 'ds.features',
      reason: 'the features were defined in phase1.data-scientist; this stage reviews the trained model',
    },
    { id: 'ds.feature-validation', reason: 'feature validation belongs to phase1.data-scientist' },
    { id: 'ds.feature-store-schema', reason: 'the feature store is designed in phase1.data-scientist' },
    { id: 'ds.model-choice', reason: 'the model is already chosen and trained by phase2.ml-engineer' },
    { id: 'ds.experiment-design', reason: 'the online experiment is designed in phase1.data-scientist' },
  ],
  add: [
    {
      id: 'ds.fairness-verdict',
      text: 'Error rates and calibration per protected group with confidence intervals, and a release verdict against each fairness threshold.',
      blocking: true,
      reason: 'a fairness review is only useful if it ends in a verdict',
    },
  ],
};

/**
 * The offline project manager's plan: the default four phases, tailored to what the request asks as a
 * model would: no deployment or operations for an analysis, no Kubernetes stage for a batch job nobody
 * asked a cluster for, parallel model experiments when models are to be compared, and a fairness review
 * when fairness was asked for. Every change is named in the rationale.
 */
export function composePlan(p: PlanPurpose): TailoredPlan {
  const { project } = p;
  const requirements = project.requirements ?? defaultRequirements(project.request);
  // Only what the requester wrote: the project manager's own questions name every topic.
  const said = [
    project.request,
    ...project.clarification.transcript.filter((t) => t.from === 'requester').map((t) => t.text),
  ].join('\n');
  const signals = readSignals(said);
  const rng = seededRng('plan', project.id, project.request, project.planRound);
  const plan = asTailoredPlan(defaultPlan(requirements), '');
  let stages: TailoredStage[] = plan.stages;
  let phases = plan.phases;
  const changes: string[] = [];
  const byId = (id: string) => stages.find((s) => s.id === id);
  const drop = (ids: readonly string[]) => {
    stages = stages
      .filter((s) => !ids.includes(s.id))
      .map((s) => ({ ...s, reads: s.reads.filter((r) => !ids.includes(r)) }));
  };

  if (signals.noServing) {
    drop(['phase3.mlops-engineer', 'phase3.kubernetes-architect', 'phase4.observability-engineer']);
    phases = phases.filter((ph) => ph.number <= 2);
    changes.push('nothing is to be served, so the deployment and operations phases are dropped');
  } else if (requirements.stack.deploymentMode === 'batch' && !signals.mentionsCluster) {
    drop(['phase3.kubernetes-architect']);
    const observer = byId('phase4.observability-engineer');
    if (observer) {
      observer.task = `Monitor the batch scoring in {phase3.mlops-engineer.output} with ${requirements.stack.monitoring}: job success and duration, data and prediction drift, cost per run, alerts.`;
      observer.checklist = BATCH_MONITORING_CHECKLIST;
    }
    changes.push(
      `a ${requirements.stack.deploymentMode} job on ${requirements.stack.orchestration} needs no Kubernetes design of its own, and its monitoring watches runs rather than request latency`,
    );
  }

  if (signals.problem === 'forecast' && !signals.fairness) {
    const scientist = byId('phase1.data-scientist');
    if (scientist) {
      scientist.checklist = {
        drop: [
          {
            id: 'ds.bias-checks',
            reason:
              'a demand forecast scores products and periods, not people, so there are no groups to compare',
          },
        ],
      };
      changes.push('the forecast scores no people, so its data scientist owes no bias checks');
    }
  }

  if (signals.compareModels) {
    const scientist = 'phase1.data-scientist';
    const [first, second] = rng.sample(
      ['gradient-boosted trees', 'a linear baseline', 'a small neural network', 'a random forest'],
      2,
    );
    const experiment = (id: string, family: string): TailoredStage => ({
      id,
      phase: 2,
      role: 'ml-engineer',
      task: `Train and evaluate ${family} on the features from {${scientist}.output}; report ${requirements.targetMetric} with a confidence interval.`,
      reads: [scientist],
      changesRunningSystems: false,
      needsApproval: false,
      timeoutMinutes: 20,
      retries: 2,
      onFailure: 'continue',
      checklist: EXPERIMENT_CHECKLIST,
    });
    const trainer = byId('phase2.ml-engineer');
    if (trainer) {
      trainer.reads = ['phase2.experiment-a', 'phase2.experiment-b'];
      trainer.task = `Compare {phase2.experiment-a.output} and {phase2.experiment-b.output}, pick the winner on ${requirements.targetMetric}, and build its training pipeline: tracking in ${requirements.stack.experimentTracking}, orchestration on ${requirements.stack.orchestration}, registry and promotion rules.`;
    }
    const at = stages.findIndex((s) => s.id === 'phase2.ml-engineer');
    stages.splice(
      Math.max(0, at),
      0,
      experiment('phase2.experiment-a', first ?? 'gradient-boosted trees'),
      experiment('phase2.experiment-b', second ?? 'a linear baseline'),
    );
    changes.push(`two model families (${first} and ${second}) are trained in parallel before one is chosen`);
  }

  if (signals.fairness) {
    stages.push({
      id: 'phase2.fairness-review',
      phase: 2,
      role: 'data-scientist',
      task: `Review the model from {phase2.ml-engineer.output} for bias: error rates and calibration per protected group, against the success criteria.`,
      reads: ['phase2.ml-engineer'],
      changesRunningSystems: false,
      needsApproval: false,
      timeoutMinutes: 20,
      retries: 2,
      onFailure: 'continue',
      checklist: FAIRNESS_REVIEW_CHECKLIST,
    });
    changes.push('a fairness review of the trained model is added, since fairness was asked for');
  }

  const opening = rng.pick([
    'Started from the default four-phase plan',
    'The default plan, tailored to the request',
    'Kept the default phases where they apply',
  ]);
  const rationale =
    changes.length === 0
      ? `${opening}: every stage applies to ${requirements.stack.deploymentMode} serving on ${requirements.stack.serving}, so none is dropped.`
      : `${opening}: ${changes.join('; ')}.`;
  return { rationale: rationale.slice(0, 1500), phases, stages };
}
