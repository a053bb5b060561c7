import { assertNever } from '../../domain/assert-never.js';
import type { Deliverable } from '../../domain/deliverable.js';
import { eventIds } from '../../domain/ids.js';
import { stageOutputLimit } from '../../domain/model-output.js';
import type { Project, RunPhase } from '../../domain/project.js';
import { reviewTally } from '../../domain/review.js';
import type { RoleId } from '../../domain/roles.js';
import { type MemoryContext, memoryContext, projectTerms } from '../memory-context.js';
import { type AgentJobEntry, type JobContext, type JobOf, loadInputs } from './entry.js';
import { stagePrompt, upstreamStageIds } from './stage-prompt.js';
import { produceStage } from './stage-work.js';

export { type StageOutput, stageOutputSchema } from './stage-output.js';
export { checklistBlock, STAGE_PROMPT_TOKENS, stagePrompt } from './stage-prompt.js';

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
    const [, upstream, memory] = await Promise.all([
      ctx.events.enqueue({
        type: 'stage_started',
        eventId: eventIds.stageStarted(project.id, stage.id, job.attempt),
        projectId: project.id,
        stageId: stage.id,
        attempt: job.attempt,
      }),
      loadInputs(ctx.deliverables, project, upstreamStageIds(project, stage)),
      recallFor(ctx, project, stage.role),
    ]);
    const inputs = new Map([...upstream].filter(([id]) => stage.reads.includes(id)));
    const startedAt = Date.now();
    const work = await produceStage(ctx, {
      project,
      stage,
      job,
      prompt: stagePrompt(project, stage, inputs, ctx.settings.inputTokenBudget, memory.text, upstream),
      inputs,
      maxTokens: stageOutputLimit(ctx.settings.stageLimits, stage.role),
      timeoutMs: stage.timeoutMs,
    });
    const value = work.output;
    const produced: Deliverable = {
      stageId: stage.id,
      attempt: job.attempt,
      role: stage.role,
      summary: value.summary,
      deliverable: value.deliverable,
      digest: value.digest,
      ...(value.risks && value.risks.length > 0 ? { risks: value.risks } : {}),
      ...(work.files.length > 0 ? { files: work.files } : {}),
      ...(work.problems.length > 0 ? { fileProblems: work.problems } : {}),
      ...(work.review ? { review: work.review } : {}),
      ...(work.caveat ? { reviewCaveat: work.caveat } : {}),
      usage: work.usage,
      model: work.model,
      // Whether the accepted version was written by another model than the default (the fallback): a draft
      // stored by an earlier attempt on the default model stays undegraded when only its review ran later.
      degraded: work.model !== ctx.provider.model,
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
    ...(deliverable.review ? { review: reviewTally(deliverable.review) } : {}),
    ...(deliverable.reviewCaveat ? { reviewCaveat: deliverable.reviewCaveat } : {}),
    ...(deliverable.files ? { files: deliverable.files.length } : {}),
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
