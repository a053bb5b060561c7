import type { Deliverable } from '../../domain/deliverable.js';
import { eventIds } from '../../domain/ids.js';
import { OUTPUT_TOKEN_LIMITS } from '../../domain/jobs.js';
import { executiveSummarySchema, type Project } from '../../domain/project.js';
import { teamCharter } from '../../domain/roles.js';
import { type AgentJobEntry, callOptions, loadInputs } from './entry.js';
import { type Prompt, planSection, requirementsSection } from './prompt-sections.js';

/**
 * The executive summary: the project manager checks every stage's deliverable against the requirements
 * and success criteria (`executiveSummarySchema`).
 */
export const summaryJob: AgentJobEntry<'summary'> = {
  role: () => 'project-manager',
  async run(ctx, project, job) {
    const inputs = await loadInputs(
      ctx.deliverables,
      project,
      (project.plan?.stages ?? []).map((s) => s.id),
    );
    // Before the model call, so the summary can name the branch; a retry finds it pushed and changes nothing.
    const files = await ctx.filesPublisher?.publish(project, inputs);
    const { value, usage } = await ctx.provider.structured(
      {
        ...summaryPrompt(project, inputs),
        purpose: { job: 'summary', project, deliverables: inputs },
        maxTokens: OUTPUT_TOKEN_LIMITS.summary,
        ...callOptions(ctx),
      },
      executiveSummarySchema,
    );
    await ctx.events.enqueue({
      type: 'summary_done',
      eventId: summaryJob.doneEventId(job),
      projectId: project.id,
      round: job.round,
      summary: value,
      usage,
      ...(files ? { files } : {}),
    });
  },
  doneEventId: (job) => eventIds.summaryDone(job.projectId, job.round),
  failedEventId: (job) => eventIds.summaryFailed(job.projectId, job.round),
  failed: (job, error) => ({
    type: 'summary_failed',
    eventId: summaryJob.failedEventId(job),
    projectId: job.projectId,
    round: job.round,
    error,
  }),
};

export function summaryPrompt(project: Project, deliverables: ReadonlyMap<string, Deliverable>): Prompt {
  const sections = (project.plan?.stages ?? []).map((s) => {
    const d = deliverables.get(s.id);
    const run = project.stages[s.id];
    const body = d
      ? `Summary: ${d.summary}\n${d.digest}`
      : `Not delivered (${run?.state ?? 'not run'}${run?.error ? `: ${run.error}` : ''}).`;
    return `<deliverable stage="${s.id}" role="${s.role}"${d?.degraded ? ' produced-by-fallback-model="true"' : ''}>\n${body}\n</deliverable>`;
  });
  return {
    system: [teamCharter(), requirementsSection(project), planSection(project)],
    user: `The run has finished. Check the deliverables below against the requirements and every success criterion,
then write the executive summary: "outcome" (met, partially_met or not_met), a one-sentence "headline", one line per
stage in "deliverables" (what it delivered, in plain words), each success criterion in "criteria" with whether the
deliverables meet it and the evidence, the main "risks", and the "nextSteps". Plain text, no Markdown headings.

${sections.join('\n\n')}`,
  };
}
