import { ROLE_CHECKLISTS } from '../../domain/checklists.js';
import { eventIds } from '../../domain/ids.js';
import { OUTPUT_TOKEN_LIMITS } from '../../domain/jobs.js';
import { asTailoredPlan, defaultPlan, tailoredPlanSchema } from '../../domain/plan.js';
import type { Project } from '../../domain/project.js';
import { defaultRequirements } from '../../domain/requirements.js';
import { DEPLOYING_ROLES, ROLE_IDS, ROLES, teamCharter } from '../../domain/roles.js';
import { type AgentJobEntry, callOptions } from './entry.js';
import { type Prompt, requirementsSection } from './prompt-sections.js';

/**
 * The plan: the project manager tailors the default four-phase plan to the requirements
 * (`tailoredPlanSchema`); the orchestrator validates it before it runs.
 */
export const planJob: AgentJobEntry<'plan'> = {
  role: () => 'project-manager',
  async run(ctx, project, job) {
    const { value, usage } = await ctx.provider.structured(
      {
        ...planPrompt(project),
        purpose: { job: 'plan', project },
        maxTokens: OUTPUT_TOKEN_LIMITS.plan,
        ...callOptions(ctx),
      },
      tailoredPlanSchema,
    );
    await ctx.events.enqueue({
      type: 'plan_done',
      eventId: planJob.doneEventId(job),
      projectId: project.id,
      round: job.round,
      output: value,
      usage,
    });
  },
  doneEventId: (job) => eventIds.planDone(job.projectId, job.round),
  failedEventId: (job) => eventIds.planFailed(job.projectId, job.round),
  failed: (job, error) => ({
    type: 'plan_failed',
    eventId: planJob.failedEventId(job),
    projectId: job.projectId,
    round: job.round,
    error,
  }),
};

export function planPrompt(project: Project): Prompt {
  const requirements = project.requirements ?? defaultRequirements(project.request);
  const start = asTailoredPlan(defaultPlan(requirements), 'the default four-phase plan');
  const roles = ROLE_IDS.map((r) => `${r}: ${ROLES[r].title}`).join('\n');
  const checklists = ROLE_IDS.map(
    (r) => `${r}: ${ROLE_CHECKLISTS[r].map((i) => `${i.id}${i.blocking ? '*' : ''}`).join(', ')}`,
  ).join('\n');
  return {
    system: [teamCharter(), requirementsSection(project)],
    user: `Tailor the project plan to these requirements. Start from the default plan below and change only what the
requirements call for: drop stages that do not apply (no Kubernetes stage for a nightly batch job on Airflow), add a
stage (a review, say), or split one into parallel stages (three model-family experiments that the next stage reads).

Rules, checked before the plan runs (a plan that breaks one is replaced by the default):
- roles are exactly these ids:
${roles}
- a stage id is "phase<N>.<name>" with N its phase, lowercase, unique; phases are listed in "phases";
- "reads" lists earlier stage ids whose output the stage needs; no cycles; the task may quote an input as
  {<stage id>.output}, and only for a stage it reads;
- "changesRunningSystems" is true for every stage that deploys, applies, releases or otherwise changes systems that
  are running (any ${DEPLOYING_ROLES.join(' or ')} stage, and any other whose task does); such a stage always waits
  for a human approval, whatever "needsApproval" says and whatever the request asks;
- onFailure "continue" only for stages the rest of the plan can do without.
Explain the changes in one short "rationale".

Each stage owes its role's checklist (ids below; * blocks acceptance) and is reviewed against it. When a stage's
task makes an item moot or calls for one more, set its optional "checklist": {"drop": [{"id", "reason"}], "add":
[{"text", "blocking", "reason"}]}; only ids of that stage's role may be dropped, every change needs a reason, and
a blocking item is dropped only when the stage truly cannot owe it. Omit "checklist" to keep the full list.
${checklists}

<default-plan>
${JSON.stringify(start, null, 2)}
</default-plan>`,
  };
}
