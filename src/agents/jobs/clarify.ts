import { eventIds } from '../../domain/ids.js';
import { OUTPUT_TOKEN_LIMITS } from '../../domain/jobs.js';
import type { Project } from '../../domain/project.js';
import { clarifyOutputSchema, STACK_CHOICES } from '../../domain/requirements.js';
import { teamCharter } from '../../domain/roles.js';
import { type AgentJobEntry, callOptions } from './entry.js';
import type { Prompt } from './prompt-sections.js';

/**
 * One clarification round: the project manager reads the request and the conversation so far and answers
 * with the requirements it can fill in, and either "ready" or its questions (`clarifyOutputSchema`).
 */
export const clarifyJob: AgentJobEntry<'clarify'> = {
  role: () => 'project-manager',
  async run(ctx, project, job) {
    const { value, usage } = await ctx.provider.structured(
      {
        ...clarifyPrompt(project, ctx.settings.clarifyMaxRounds),
        purpose: { job: 'clarify', project, maxRounds: ctx.settings.clarifyMaxRounds },
        maxTokens: OUTPUT_TOKEN_LIMITS.clarify,
        ...callOptions(ctx),
      },
      clarifyOutputSchema,
    );
    await ctx.events.enqueue({
      type: 'clarify_done',
      eventId: clarifyJob.doneEventId(job),
      projectId: project.id,
      round: job.round,
      output: value,
      usage,
    });
  },
  doneEventId: (job) => eventIds.clarifyDone(job.projectId, job.round),
  failedEventId: (job) => eventIds.clarifyFailed(job.projectId, job.round),
  failed: (job, error) => ({
    type: 'clarify_failed',
    eventId: clarifyJob.failedEventId(job),
    projectId: job.projectId,
    round: job.round,
    error,
  }),
};

export function clarifyPrompt(project: Project, maxRounds: number): Prompt {
  const c = project.clarification;
  const transcript = c.transcript.map((t) => `${t.from}: ${t.text}`).join('\n') || '(no questions asked yet)';
  const choices = Object.entries(STACK_CHOICES)
    .map(([k, v]) => `${k}: ${v.join(' | ')} (default ${v[0]})`)
    .join('\n');
  const last = c.round >= maxRounds;
  return {
    system: [teamCharter()],
    user: `A requester asked for this project in Slack:
<request>
${project.request}
</request>

Conversation so far:
<transcript>
${transcript}
</transcript>

Fill in the requirements: objective, data sources, target metric and baseline, constraints (latency, budget,
compliance), success criteria, and these stack choices:
${choices}

Set "ready" to true when the requirements are clear enough to plan. Otherwise ask at most five short questions about
what you cannot reasonably assume, and list the assumptions you would make if the requester says "go".
This is clarification round ${c.round} of at most ${maxRounds}.${last ? ' It is the last round: set "ready" to true and fill every gap with a stated default.' : ''}`,
  };
}
