import type { SummaryAnswer } from '../../../domain/executive-summary.js';
import type { Stage } from '../../../domain/plan.js';
import type { Project } from '../../../domain/project.js';
import { ROLES, type RoleId } from '../../../domain/roles.js';
import type { Rng } from './seed.js';

/** What the offline summary's business sections are made from: the project and who delivered. */
export interface SummaryFacts {
  project: Project;
  stages: readonly Stage[];
  done: readonly Stage[];
  missing: readonly Stage[];
  rng: Rng;
}

export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

const ids = (stages: readonly Stage[], roles?: readonly RoleId[]) =>
  stages
    .filter((s) => roles === undefined || roles.includes(s.role))
    .slice(0, 8)
    .map((s) => s.id);

/**
 * Business impact and an ROI estimate whose every number is an assumption stated from the requirements:
 * the metric and baseline, the budget, the deployment mode, the data. Nothing was measured offline.
 */
export function businessImpact(f: SummaryFacts): SummaryAnswer['businessImpact'] {
  const req = f.project.requirements;
  const objective = (req?.objective ?? f.project.request).replace(/[.\s]+$/, '');
  const metric = req?.targetMetric ?? 'the target metric';
  const baseline = req?.baseline ?? 'the current process';
  const budget = req?.constraints.budget ?? 'not stated';
  const payback = f.rng.int(3, 9);
  const uplift = f.rng.pick(['2-5%', '3-8%', '5-10%'] as const);
  const assumptions = [
    `${metric} improves on the baseline (${baseline}) by ${uplift} once live.`,
    `Running cost stays within the stated budget: ${budget}.`,
    req?.dataSources.length
      ? `The data sources stay available as described: ${req.dataSources.join(', ')}.`
      : 'The data sources named in phase 1 are available at the stated refresh rate.',
    `Deployment is ${req?.stack.deploymentMode ?? 'realtime'} on ${req?.stack.cloud ?? 'the chosen cloud'}, as planned.`,
    'The improvement is confirmed by an A/B test before it is counted.',
  ].map((a) => clip(a, 200));
  const impactStages = ids(f.done, ['data-scientist', 'ml-engineer', 'mlops-engineer']);
  return {
    summary: clip(
      `${f.done.length === 0 ? 'Nothing was delivered yet, so no impact can be claimed for' : 'The designed system is ready to build for'}: ${objective}. It is judged by ${metric} against ${baseline}.`,
      600,
    ),
    roi: {
      estimate: clip(
        `Pays back its build and running cost in about ${payback} months if ${metric} improves by ${uplift}; an estimate, not a measurement.`,
        300,
      ),
      assumptions,
    },
    stages: impactStages.length > 0 ? impactStages : ids(f.done),
  };
}

/** What is done about a risk, by what it is about; the stage's own role owns the rest. */
const MITIGATIONS: ReadonlyArray<[RegExp, string]> = [
  [/drift|stale|decay/i, 'Drift alerts with a retraining trigger, reviewed weekly by the on-call owner.'],
  [
    /latency|p\d\d|slow|timeout/i,
    'Load-test before rollout; the canary rolls back when p99 passes the limit.',
  ],
  [/cost|budget|spend|gpu/i, 'Cost dashboard with a budget alert; autoscaling capped at the stated budget.'],
  [
    /schema|upstream|source|ingest/i,
    'Schema contract checked on arrival; a breaking change blocks the load.',
  ],
  [/bias|fair|group/i, 'Per-group metrics gate promotion; a failing group blocks the release.'],
  [/label|leak/i, 'Time-split validation and a leakage check before any result is reported.'],
  [/secret|access|privacy|pii|gdpr/i, 'Secrets in the secret manager, least-privilege roles, access logged.'],
];

/** The stages' own risks, each with a mitigation, then what a stage that did not deliver leaves open. */
export function risks(f: SummaryFacts, risksOf: (s: Stage) => readonly string[]): SummaryAnswer['risks'] {
  const out: SummaryAnswer['risks'] = f.missing.slice(0, 3).map((s) => ({
    risk: clip(`${s.id} was not delivered; what depends on it is unplanned.`, 300),
    mitigation: clip(`Retry it (\`retry ${s.id}\`) or re-plan without it before building.`, 300),
    stages: [s.id, ...f.stages.filter((t) => t.reads.includes(s.id)).map((t) => t.id)].slice(0, 8),
  }));
  for (const s of f.done) {
    for (const risk of risksOf(s).slice(0, 2)) {
      if (out.length >= 8) break;
      const mitigation =
        MITIGATIONS.find(([pattern]) => pattern.test(risk))?.[1] ??
        `The ${ROLES[s.role].noun} owns it: a check and a rollback path before go-live.`;
      out.push({ risk: clip(risk, 300), mitigation: clip(mitigation, 300), stages: [s.id] });
    }
  }
  if (out.length === 0)
    out.push({
      risk: 'Every number here is a design target; none has been measured on live traffic yet.',
      mitigation: 'Measure the baseline and each target on the agreed hold-out before launch.',
      stages: ids(f.done, ['data-scientist', 'ml-engineer']),
    });
  return out.slice(0, 8);
}

/** Who and what it takes to build and run it: the plan's roles, the chosen stack and the budget. */
export function resources(f: SummaryFacts): SummaryAnswer['resources'] {
  const req = f.project.requirements;
  const roles = [...new Set(f.stages.map((s) => s.role))];
  const s = req?.stack;
  return {
    people: clip(
      roles.length > 0
        ? `${roles.map((r) => ROLES[r].title).join(', ')}: one of each to build it (${f.rng.int(4, 10)} weeks), then an on-call rotation to run it.`
        : 'No roles were planned.',
      400,
    ),
    infrastructure: clip(
      s
        ? `${s.cloud} with ${s.orchestration} pipelines, ${s.featureStore} features, ${s.experimentTracking} tracking, ${s.serving} serving (${s.deploymentMode}) and ${s.monitoring} monitoring.`
        : 'Not chosen: the requirements were not settled.',
      400,
    ),
    ongoingCost: clip(
      `Within the stated budget (${req?.constraints.budget ?? 'not stated'}): compute for training and serving, storage for data and models, monitoring; priced by the stages that own them.`,
      400,
    ),
  };
}

export function nextSteps(f: SummaryFacts): SummaryAnswer['nextSteps'] {
  const first = (role: RoleId) => f.stages.find((s) => s.role === role);
  const step = (text: string, role: RoleId | undefined, stages: string[]) => ({
    step: clip(text, 300),
    ...(role ? { owner: ROLES[role].noun } : {}),
    stages,
  });
  const steps = f.missing.slice(0, 2).map((s) => step(`Retry ${s.id} (\`retry ${s.id}\`).`, s.role, [s.id]));
  const scientist = first('data-scientist');
  steps.push(
    step('Measure the baseline on the agreed hold-out.', scientist?.role, scientist ? [scientist.id] : []),
  );
  const engineer = first('data-engineer');
  steps.push(
    step(
      f.rng.pick([
        'Build the ingestion job first and run it for a week.',
        'Stand up the ingestion job and its quality checks in staging.',
      ] as const),
      engineer?.role,
      engineer ? [engineer.id] : [],
    ),
  );
  const mlops = first('mlops-engineer');
  steps.push(
    step('Schedule the first A/B test once the rollout is approved.', mlops?.role, mlops ? [mlops.id] : []),
  );
  return steps.slice(0, 8);
}
