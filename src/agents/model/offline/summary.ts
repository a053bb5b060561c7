import type { Stage } from '../../../domain/plan.js';
import type { ExecutiveSummary } from '../../../domain/project.js';
import type { RoleId } from '../../../domain/roles.js';
import type { ModelPurpose } from '../provider.js';
import { seededRng } from './seed.js';

type SummaryPurpose = Extract<ModelPurpose, { job: 'summary' }>;

/** Which roles' deliverables speak to a criterion, by what it is about; the first match wins. */
const CRITERION_ROLES: ReadonlyArray<[RegExp, readonly RoleId[]]> = [
  [/latency|p\d\d|\bms\b|throughput/i, ['mlops-engineer', 'kubernetes-architect', 'python-pro']],
  [/cost|budget|\$|€|£/i, ['kubernetes-architect', 'observability-engineer', 'mlops-engineer']],
  [/fair|bias|protected|group/i, ['data-scientist']],
  [/gdpr|hipaa|soc ?2|pci|ccpa|compliance|review|privacy/i, ['data-engineer', 'mlops-engineer']],
  [/drift|monitor|alert/i, ['observability-engineer']],
];
const METRIC_ROLES: readonly RoleId[] = ['ml-engineer', 'data-scientist'];

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

/**
 * The offline project manager's executive summary: every stage's deliverable in a line, and each success
 * criterion checked against the deliverables of the roles it concerns (met when one of them delivered).
 */
export function composeSummary(p: SummaryPurpose): ExecutiveSummary {
  const { project } = p;
  const stages = project.plan?.stages ?? [];
  const rng = seededRng('summary', project.id, project.request, project.summaryRound);
  const delivered = (s: Stage) => p.deliverables.get(s.id);
  const done = stages.filter((s) => delivered(s) !== undefined);
  const missing = stages.filter((s) => delivered(s) === undefined);

  const criteria = (project.requirements?.successCriteria ?? []).slice(0, 10).map((criterion) => {
    const roles = CRITERION_ROLES.find(([pattern]) => pattern.test(criterion))?.[1] ?? METRIC_ROLES;
    const relevant = stages.filter((s) => roles.includes(s.role));
    const evidence = relevant.flatMap((s) => {
      const d = delivered(s);
      return d ? [`${s.id}: ${clip(d.summary, 160)}`] : [];
    });
    const met = evidence.length > 0;
    return {
      criterion: clip(criterion, 400),
      met,
      evidence: clip(
        met
          ? `${evidence.slice(0, 2).join(' ')} (designed and specified; not yet measured in production)`
          : relevant.length === 0
            ? 'No stage of this plan addresses it.'
            : `Not delivered: ${relevant.map((s) => `${s.id} (${project.stages[s.id]?.state ?? 'not run'})`).join(', ')}.`,
        600,
      ),
    };
  });

  const allMet = criteria.every((c) => c.met);
  const outcome: ExecutiveSummary['outcome'] =
    done.length === 0 ? 'not_met' : missing.length === 0 && allMet ? 'met' : 'partially_met';
  const objective = project.requirements?.objective ?? project.request;
  const headline = {
    met: `Every stage delivered and all ${criteria.length} success criteria are addressed for: ${objective}`,
    partially_met: `${done.length} of ${stages.length} stages delivered; ${criteria.filter((c) => c.met).length} of ${criteria.length} criteria addressed for: ${objective}`,
    not_met: `No stage delivered, so no criterion could be checked for: ${objective}`,
    unchecked: objective,
  }[outcome];

  return {
    outcome,
    headline: clip(headline, 400),
    deliverables: stages.slice(0, 40).map((s) => {
      const d = delivered(s);
      return {
        stageId: s.id,
        line: clip(d ? d.summary : `Not delivered (${project.stages[s.id]?.state ?? 'not run'}).`, 400),
      };
    }),
    criteria,
    risks: [
      ...missing.slice(0, 3).map((s) => `${s.id} was not delivered; what depends on it is unplanned.`),
      rng.pick([
        'Every number here is a design target; none has been measured on live traffic yet.',
        'The baseline must be measured on the same hold-out before the improvement can be claimed.',
      ]),
      rng.pick([
        'Upstream schema changes would block data loads until the contract is updated.',
        'Labels arrive late, so the deciding metric lags behind drift alerts.',
      ]),
    ].slice(0, 8),
    nextSteps: [
      ...missing.slice(0, 2).map((s) => `Retry ${s.id} (\`retry ${s.id}\`).`),
      'Measure the baseline on the agreed hold-out.',
      rng.pick([
        'Build the ingestion job first and run it for a week.',
        'Book a design review with the on-call team.',
      ]),
      'Schedule the first A/B test once the rollout is approved.',
    ].slice(0, 8),
  };
}
