import type { CriterionStatus, SummaryAnswer } from '../../../domain/executive-summary.js';
import type { Stage } from '../../../domain/plan.js';
import type { RoleId } from '../../../domain/roles.js';
import type { ModelPurpose } from '../provider.js';
import { seededRng } from './seed.js';
import { businessImpact, clip, nextSteps, resources, risks } from './summary-business.js';

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

/**
 * The offline project manager's executive summary, answered from the structured purpose alone: every
 * stage's deliverable in a line; each success criterion checked against the deliverables of the roles it
 * concerns (met when all of them delivered, partial when some did), traced to those stages; then business
 * impact, risks, resources and next steps (summary-business.ts).
 */
export function composeSummary(p: SummaryPurpose): SummaryAnswer {
  const { project } = p;
  const stages = project.plan?.stages ?? [];
  const rng = seededRng('summary', project.id, project.request, project.summaryRound);
  const delivered = (s: Stage) => p.deliverables.get(s.id);
  const done = stages.filter((s) => delivered(s) !== undefined);
  const missing = stages.filter((s) => delivered(s) === undefined);

  const criteria = (project.requirements?.successCriteria ?? []).slice(0, 10).map((criterion) => {
    const roles = CRITERION_ROLES.find(([pattern]) => pattern.test(criterion))?.[1] ?? METRIC_ROLES;
    const relevant = stages.filter((s) => roles.includes(s.role));
    const covered = relevant.filter((s) => delivered(s) !== undefined);
    const evidence = covered.map((s) => `${s.id}: ${clip(delivered(s)?.summary ?? '', 160)}`);
    const gaps = relevant
      .filter((s) => delivered(s) === undefined)
      .map((s) => `${s.id} (${project.stages[s.id]?.state ?? 'not run'})`);
    const status: CriterionStatus = covered.length === 0 ? 'not_met' : gaps.length === 0 ? 'met' : 'partial';
    const text =
      relevant.length === 0
        ? 'No stage of this plan addresses it.'
        : covered.length === 0
          ? `Not delivered: ${gaps.join(', ')}.`
          : `${evidence.slice(0, 2).join(' ')} (designed and specified; not yet measured in production)${gaps.length > 0 ? ` Still missing: ${gaps.join(', ')}.` : ''}`;
    return {
      criterion: clip(criterion, 500),
      status,
      evidence: clip(text, 500),
      stages: (covered.length > 0 ? covered : relevant).slice(0, 8).map((s) => s.id),
    };
  });

  const allMet = criteria.every((c) => c.status === 'met');
  const outcome: SummaryAnswer['outcome'] =
    done.length === 0 ? 'not_met' : missing.length === 0 && allMet ? 'met' : 'partially_met';
  const objective = project.requirements?.objective ?? project.request;
  const metCount = criteria.filter((c) => c.status === 'met').length;
  const headline = {
    met: `Every stage delivered and all ${criteria.length} success criteria are addressed for: ${objective}`,
    partially_met: `${done.length} of ${stages.length} stages delivered; ${metCount} of ${criteria.length} criteria addressed for: ${objective}`,
    not_met: `No stage delivered, so no criterion could be checked for: ${objective}`,
    unchecked: objective,
  }[outcome];

  const facts = { project, stages, done, missing, rng };
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
    businessImpact: businessImpact(facts),
    risks: risks(facts, (s) => delivered(s)?.risks ?? project.stages[s.id]?.risks ?? []),
    resources: resources(facts),
    nextSteps: nextSteps(facts),
  };
}
