import { z } from 'zod';
import { assertNever } from '../../domain/assert-never.js';
import { type ChecklistItem, effectiveChecklist, ROLE_CHECKLISTS } from '../../domain/checklists.js';
import type { Deliverable } from '../../domain/deliverable.js';
import { eventIds } from '../../domain/ids.js';
import { stageOutputLimit } from '../../domain/model-output.js';
import type { Stage } from '../../domain/plan.js';
import type { Project, RunPhase } from '../../domain/project.js';
import { ROLE_IDS, type RoleId, rolePrompt, teamCharter } from '../../domain/roles.js';
import { estimateTokens } from '../../domain/spending.js';
import { renderTemplate, templateRefs } from '../../domain/template.js';
import { type MemoryContext, memoryContext, projectTerms } from '../memory-context.js';
import {
  type AgentJobEntry,
  callOptions,
  type JobContext,
  type JobOf,
  loadInputs,
  stageProgress,
} from './entry.js';
import { type Prompt, planSection, requirementsSection } from './prompt-sections.js';

/**
 * What a stage agent returns (validated): a line for the thread, the full deliverable, a digest, and
 * what it wants remembered: how it went, what it learned, and messages for other roles.
 */
export const stageOutputSchema = z.object({
  summary: z.string().min(1).max(600),
  deliverable: z.string().min(1),
  /** The deliverable condensed for the stages that build on it; used when the full text is over budget. */
  digest: z.string().min(1).max(8_000),
  outcome: z.enum(['success', 'partial', 'failure']),
  /** What could go wrong if work built on this ships; shown on the approval gates that build on it. */
  risks: z.array(z.string().min(1).max(300)).max(5).optional(),
  keyInsights: z.array(z.string().min(1).max(300)).max(5),
  /** Work it says another role should take on. */
  delegations: z.array(z.string().min(1).max(300)).max(5),
  insights: z
    .array(
      z.object({
        area: z.string().min(1).max(80),
        insight: z.string().min(1).max(600),
        impact: z.enum(['low', 'medium', 'high']),
        confidence: z.number().min(0).max(1),
        tags: z.array(z.string().min(1).max(40)).max(8),
      }),
    )
    .max(5),
  messages: z
    .array(
      z.object({
        to: z.enum([...ROLE_IDS, 'all']),
        type: z.enum(['insight', 'warning', 'request']),
        priority: z.enum(['low', 'normal', 'high']),
        text: z.string().min(1).max(800),
      }),
    )
    .max(5),
});
export type StageOutput = z.infer<typeof stageOutputSchema>;

/**
 * Tokens of a stage prompt before its task and inputs, for the plan's cost forecast: the team charter, the
 * longest role brief and room for the requirements, plan outline and decisions.
 */
export const STAGE_PROMPT_TOKENS =
  estimateTokens(teamCharter()) +
  Math.max(
    ...ROLE_IDS.map(
      (r) => estimateTokens(rolePrompt(r)) + estimateTokens(checklistBlock(ROLE_CHECKLISTS[r])),
    ),
  ) +
  2_000;

/** What the stage owes, one item a line, so the author can answer each (a later review grades them). */
export function checklistBlock(items: readonly ChecklistItem[]): string {
  if (items.length === 0) return '';
  const lines = items.map((i) => `- ${i.id}${i.blocking ? ' (blocking)' : ''}: ${i.text}`);
  return `\nYour checklist: the deliverable must cover every item; a missing blocking item sends the work back.\n${lines.join('\n')}\n`;
}

function clipToTokens(text: string, tokens: number): string {
  const chars = tokens * 4;
  return text.length <= chars ? text : `${text.slice(0, chars)}\n[… cut to fit the prompt budget]`;
}

/**
 * The stage prompt. System: role prompt, requirements and plan outline, the same for every stage of the
 * project and role, so the provider's prompt cache serves it. User: the task with its inputs inline; an
 * input over the token budget goes in as its digest (the full text stays in Redis and in the report).
 */
export function stagePrompt(
  project: Project,
  stage: Stage,
  inputs: ReadonlyMap<string, Deliverable>,
  inputTokenBudget: number,
  memoryText = '',
): Prompt {
  const values: Record<string, string> = {};
  for (const dep of stage.reads) {
    const d = inputs.get(dep);
    let body = '(no output recorded)';
    if (d) {
      const full = estimateTokens(d.deliverable);
      body =
        full <= inputTokenBudget
          ? d.deliverable
          : `[Digest: the full deliverable is about ${full} tokens, over this prompt's budget of ${inputTokenBudget}.]\n${clipToTokens(d.digest, inputTokenBudget)}`;
    }
    values[`${dep}.output`] = `the output of ${dep}:\n<output stage="${dep}">\n${body}\n</output>\n`;
  }
  const task = renderTemplate(stage.task, values);
  const referenced = new Set(templateRefs(stage.task));
  const extra = stage.reads
    .filter((dep) => !referenced.has(`${dep}.output`))
    .map((dep) => values[`${dep}.output`])
    .join('\n');
  return {
    system: [teamCharter(), requirementsSection(project), planSection(project)],
    user: `${rolePrompt(stage.role as RoleId)}

Your stage: ${stage.id} (phase ${stage.phase}).
Task: ${task}
${extra ? `\nAlso read ${extra}` : ''}${checklistBlock(effectiveChecklist(stage))}${decisionsBlock(project)}${memoryText ? `\n${memoryText}\n` : ''}
Reply with the stage JSON described in the charter. Leave lists empty when there is nothing worth saying.`,
  };
}

/** Decisions taken so far (approvals, retries, fallbacks): shared project context every stage may read. */
function decisionsBlock(project: Project): string {
  const recent = project.decisions.slice(-10);
  if (recent.length === 0) return '';
  return `\nDecisions so far in this project:\n${recent.map((d) => `- ${d.kind}${d.stageId ? ` ${d.stageId}` : ''}: ${d.note}`).join('\n')}\n`;
}

/**
 * One stage of the plan, run by its role's agent: it reads the deliverables of the stages it builds on and
 * what its role remembers, and records its deliverable together with what it wants remembered.
 */
export const stageJob: AgentJobEntry<'stage'> = {
  role: (project, job) => project.plan?.stages.find((s) => s.id === job.stageId)?.role ?? 'unknown',
  run: runStage,
  doneEventId: (job) => eventIds.stageDone(job.projectId, job.stageId, job.attempt),
  failedEventId: (job) => eventIds.stageFailed(job.projectId, job.stageId, job.attempt),
  failed: (job, error) => ({
    type: 'stage_failed',
    eventId: stageJob.failedEventId(job),
    projectId: job.projectId,
    stageId: job.stageId,
    attempt: job.attempt,
    error,
  }),
};

/** Phases in which a finished stage's result is thrown away (a stopped run still keeps what was running). */
const RESULT_UNWANTED_IN: readonly RunPhase[] = ['cancelled', 'forgotten'];

async function runStage(ctx: JobContext, project: Project, job: JobOf<'stage'>): Promise<void> {
  const { log } = ctx;
  const stage = project.plan?.stages.find((s) => s.id === job.stageId);
  if (!stage) {
    log.warn({ stageId: job.stageId }, 'stage not in plan; dropping job');
    return;
  }
  // A crash after the model answered but before the result was reported must not pay for the stage twice.
  let deliverable = await ctx.deliverables.get(project.id, stage.id, job.attempt);
  if (!deliverable) {
    // Independent reads and the "running" event, at once: this is on the path from one stage to the next.
    const [, inputs, memory] = await Promise.all([
      ctx.events.enqueue({
        type: 'stage_started',
        eventId: eventIds.stageStarted(project.id, stage.id, job.attempt),
        projectId: project.id,
        stageId: stage.id,
        attempt: job.attempt,
      }),
      loadInputs(ctx.deliverables, project, stage.reads),
      recallFor(ctx, project, stage.role),
    ]);
    const startedAt = Date.now();
    const { value, usage, model } = await ctx.provider.structured(
      {
        ...stagePrompt(project, stage, inputs, ctx.settings.inputTokenBudget, memory.text),
        purpose: { job: 'stage', project, stage, attempt: job.attempt, inputs },
        maxTokens: stageOutputLimit(ctx.settings.stageLimits, stage.role),
        ...callOptions(ctx, AbortSignal.timeout(stage.timeoutMs)),
        ...stageProgress(ctx, job, 'writing'),
      },
      stageOutputSchema,
    );
    const produced: Deliverable = {
      stageId: stage.id,
      attempt: job.attempt,
      role: stage.role,
      summary: value.summary,
      deliverable: value.deliverable,
      digest: value.digest,
      ...(value.risks && value.risks.length > 0 ? { risks: value.risks } : {}),
      usage,
      model,
      degraded: ctx.model !== undefined,
      jobAttempts: ctx.attempt,
      workerId: ctx.workerId,
      startedAt,
      producedAt: Date.now(),
    };
    // The deliverable and everything the agent wants remembered are written together, or not at all, into
    // the memory scope of the project's conversation, and only if the project was not cancelled or
    // forgotten while the model worked: the script that writes checks it, so no forget can slip in between.
    const plan = project.plan?.stages ?? [];
    const outcome = await ctx.memory.recordStageOutcome({
      teamId: project.teamId,
      channelId: project.channelId,
      visibility: project.visibility,
      projectId: project.id,
      stageId: stage.id,
      attempt: job.attempt,
      role: stage.role,
      projectGuard: { key: ctx.keys.project(project.id), closedPhases: RESULT_UNWANTED_IN },
      deliverableKey: ctx.keys.deliverable(project.id, stage.id, job.attempt),
      deliverableJson: JSON.stringify(produced),
      history: {
        task: stage.task.replace(/\{([^}]+)\.output\}/g, '$1'),
        outcome: value.outcome,
        keyInsights: value.keyInsights,
        delegations: value.delegations,
        at: produced.producedAt,
      },
      insights: value.insights,
      messages: value.messages,
      collaborators: stage.reads.flatMap((dep) => plan.find((s) => s.id === dep)?.role ?? []),
      success: value.outcome === 'success',
      taskType: stage.id.slice(stage.id.indexOf('.') + 1),
      readMessageIds: memory.shownMessageIds,
    });
    switch (outcome.status) {
      case 'project_closed':
        log.info(
          { stageId: stage.id, phase: outcome.phase },
          'project stopped during the stage; result not recorded',
        );
        return;
      case 'recorded':
        deliverable = produced;
        break;
      case 'duplicate':
        deliverable = (await ctx.deliverables.get(project.id, stage.id, job.attempt)) ?? produced;
        break;
      default:
        assertNever(outcome);
    }
  }
  await ctx.events.enqueue({
    type: 'stage_done',
    eventId: stageJob.doneEventId(job),
    projectId: project.id,
    stageId: stage.id,
    attempt: job.attempt,
    summary: deliverable.summary,
    ...(deliverable.risks ? { risks: deliverable.risks } : {}),
    usage: deliverable.usage,
    model: deliverable.model,
    degraded: deliverable.degraded,
    jobAttempts: deliverable.jobAttempts,
  });
  log.info({ stageId: stage.id, attempt: job.attempt, model: deliverable.model }, 'stage done');
}

/** The role's memory for this project's prompt; a memory outage costs the prompt its memory, not the stage. */
async function recallFor(ctx: JobContext, project: Project, role: RoleId): Promise<MemoryContext> {
  try {
    const recall = await ctx.memory.recall({
      teamId: project.teamId,
      channelId: project.channelId,
      visibility: project.visibility,
      role,
      projectTags: projectTerms(project.requirements),
    });
    if (recall.corrupt > 0) ctx.log.warn({ corrupt: recall.corrupt, role }, 'skipped corrupt memory items');
    return memoryContext(recall, ctx.settings.memoryTokenBudget);
  } catch (err) {
    ctx.log.error({ err, role }, 'could not read agent memory; running the stage without it');
    return { text: '', shownMessageIds: [], omitted: 0 };
  }
}
