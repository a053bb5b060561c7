import type { Deliverable } from '../../domain/deliverable.js';
import { SUMMARY_CAPS, summaryAnswerSchema, traceSummary } from '../../domain/executive-summary.js';
import { eventIds } from '../../domain/ids.js';
import { OUTPUT_TOKEN_LIMITS } from '../../domain/jobs.js';
import type { Project } from '../../domain/project.js';
import { coverageLabel, stillOwed } from '../../domain/review.js';
import { teamCharter } from '../../domain/roles.js';
import { type AgentJobEntry, callOptions, loadInputs } from './entry.js';
import { type Prompt, planSection, requirementsSection } from './prompt-sections.js';

/**
 * The executive summary: the project manager checks every stage's deliverable against the requirements
 * and success criteria, and writes what an executive reads (`summaryAnswerSchema`). Stage references the
 * plan does not have are dropped here, and again when the summary is stored (`traceSummary`).
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
    if (files) {
      await ctx.events.enqueue({
        type: 'files_published',
        eventId: eventIds.filesPublished(project.id, job.round),
        projectId: project.id,
        round: job.round,
        files,
      });
    }
    const { value: answer, usage } = await ctx.provider.structured(
      {
        ...summaryPrompt(project, inputs),
        purpose: { job: 'summary', project, deliverables: inputs },
        maxTokens: OUTPUT_TOKEN_LIMITS.summary,
        ...callOptions(ctx),
      },
      summaryAnswerSchema,
    );
    const { summary: value, dropped } = traceSummary(
      answer,
      (project.plan?.stages ?? []).map((s) => s.id),
    );
    if (dropped.length > 0)
      ctx.log.warn({ projectId: project.id, dropped }, 'summary cited stages the plan does not have');
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

/** What the independent review found, so the summary does not claim what a stage still owes. */
function reviewNote(d: Deliverable): string {
  if (!d.review) return '';
  const owed = stillOwed(d.review.final).map((i) => `${i.id} (${i.grade}): ${i.text}`);
  return `\nIndependent review: ${coverageLabel(d.review.final)}${owed.length > 0 ? `; still owed:\n${owed.map((o) => `- ${o}`).join('\n')}` : ''}`;
}

export function summaryPrompt(project: Project, deliverables: ReadonlyMap<string, Deliverable>): Prompt {
  const sections = (project.plan?.stages ?? []).map((s) => {
    const d = deliverables.get(s.id);
    const run = project.stages[s.id];
    const body = d
      ? `Summary: ${d.summary}\n${d.digest}${reviewNote(d)}`
      : `Not delivered (${run?.state ?? 'not run'}${run?.error ? `: ${run.error}` : ''}).`;
    return `<deliverable stage="${s.id}" role="${s.role}"${d?.degraded ? ' produced-by-fallback-model="true"' : ''}>\n${body}\n</deliverable>`;
  });
  const ids = (project.plan?.stages ?? []).map((s) => s.id);
  return {
    system: [teamCharter(), requirementsSection(project), planSection(project)],
    user: `The run has finished. Check the deliverables below against the requirements and every success criterion,
then write the executive summary for the people who fund and own this project. Reply with JSON:
- "outcome": met, partially_met or not_met, over all success criteria; "headline": one plain sentence.
- "deliverables": one line per stage ("stageId" and what it delivered, in plain words).
- "criteria": each success criterion from the requirements, word for word, with "status" (met, partial,
  not_met, or unchecked when the deliverables cannot tell; designed and specified counts as met only when a
  deliverable covers it fully), the "evidence" from the
  deliverables, and the "stages" whose deliverables that evidence comes from.
- "businessImpact": "summary" of what the outcome changes for the business, an "roi" with an "estimate" (a range
  with its unit and time frame, e.g. "$40k-$90k a year from retained customers") and every "assumption" it rests
  on (at most ${SUMMARY_CAPS.assumptions}, taken from the requirements and deliverables where possible), and the "stages" it rests on.
- "risks": at most ${SUMMARY_CAPS.risks}, each a "risk", its "mitigation" and the "stages" that raise or address it.
- "resources": the "people" (roles and how much of their time) and "infrastructure" needed to build and run it,
  and the "ongoingCost" of running it from here on, with its basis. Do not state what this run cost: that is
  added from the run's records.
- "nextSteps": at most ${SUMMARY_CAPS.nextSteps}, each a "step", the "owner" (a role) when there is one, and
  the "stages" it follows from.
Every "stages" list names stage ids from the plan, exactly as written (${ids.join(', ') || 'none'}); references
to anything else are dropped. Plain text, no Markdown headings.

${sections.join('\n\n')}`,
  };
}
