import type { ExecutiveSummary } from './executive-summary.js';
import type { Project } from './project.js';
import { ROLES } from './roles.js';

const NOT_CHECKED = 'Not checked: the model could not write the summary.';

/**
 * A summary built from the stage records alone, for when the model cannot write one: nothing is judged,
 * but the stages' own risks, the plan's roles and stack, and the stages to retry are still there, traced.
 */
export function fallbackSummary(project: Project): ExecutiveSummary {
  const stages = project.plan?.stages ?? [];
  const req = project.requirements;
  const notDelivered = stages.filter((s) => {
    const state = project.stages[s.id]?.state;
    return state === 'failed' || state === 'skipped' || state === 'rejected' || state === 'cancelled';
  });
  const stageRisks = stages.flatMap((s) =>
    (project.stages[s.id]?.risks ?? []).slice(0, 2).map((risk) => ({
      risk: risk.slice(0, 300) || '-',
      mitigation: `Review it with the ${ROLES[s.role].noun} in ${s.id}'s deliverable before building.`.slice(
        0,
        300,
      ),
      stages: [s.id],
    })),
  );
  const stack = req?.stack;
  return {
    outcome: 'unchecked',
    headline: `Every stage has finished for: ${req?.objective ?? project.request}`.slice(0, 400),
    deliverables: stages.slice(0, 40).map((s) => {
      const run = project.stages[s.id];
      return { stageId: s.id, line: (run?.summary ?? run?.state ?? 'not run').slice(0, 400) };
    }),
    criteria: (req?.successCriteria ?? []).slice(0, 10).map((criterion) => ({
      criterion: criterion.slice(0, 500),
      status: 'unchecked' as const,
      evidence: NOT_CHECKED,
      stages: [],
    })),
    businessImpact: {
      summary:
        `Not assessed: the model could not write the summary. Target: ${req?.targetMetric ?? 'not set'} against ${req?.baseline ?? 'no baseline'}.`.slice(
          0,
          600,
        ),
      roi: { estimate: 'Not estimated.', assumptions: [] },
      stages: [],
    },
    risks: [
      {
        risk: 'The deliverables were not checked against the success criteria: the model could not write the summary.',
        mitigation: 'Review each deliverable against the criteria in the attached report.',
        stages: [],
      },
      ...stageRisks,
    ].slice(0, 8),
    resources: {
      people: ([...new Set(stages.map((s) => ROLES[s.role].title))].join(', ') || 'No roles planned').slice(
        0,
        400,
      ),
      infrastructure: (stack
        ? `${stack.cloud}, ${stack.orchestration}, ${stack.featureStore}, ${stack.experimentTracking}, ${stack.serving} (${stack.deploymentMode}), ${stack.monitoring}`
        : 'Not chosen'
      ).slice(0, 400),
      ongoingCost: `Not estimated; the stated budget is ${req?.constraints.budget ?? 'not stated'}.`.slice(
        0,
        400,
      ),
    },
    nextSteps: [
      ...notDelivered.slice(0, 5).map((s) => ({
        step: `Retry ${s.id} (\`retry ${s.id}\`).`,
        owner: ROLES[s.role].noun,
        stages: [s.id],
      })),
      { step: 'Review each deliverable in the attached report.', stages: [] },
    ],
  };
}
