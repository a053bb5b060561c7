import type { ExecutiveSummary, Project } from './project.js';

/** A summary built from the stage notes alone, for when the model cannot write one. */
export function fallbackSummary(project: Project): ExecutiveSummary {
  return {
    outcome: 'unchecked',
    headline: `Every stage has finished for: ${project.requirements?.objective ?? project.request}`.slice(
      0,
      400,
    ),
    deliverables: (project.plan?.stages ?? []).map((s) => {
      const run = project.stages[s.id];
      return { stageId: s.id, line: (run?.summary ?? run?.state ?? 'not run').slice(0, 400) };
    }),
    criteria: [],
    risks: [
      'The deliverables were not checked against the success criteria: the model could not write the summary.',
    ],
    nextSteps: ['Review each deliverable in the attached report.'],
  };
}
