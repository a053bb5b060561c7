import { z } from 'zod';
import { effectiveChecklist } from '../../domain/checklists.js';
import type { Deliverable } from '../../domain/deliverable.js';
import {
  type CheckedFiles,
  checkFiles,
  type DeliverableFile,
  type FileProblem,
} from '../../domain/deliverable-files.js';
import { ModelOutputError } from '../../domain/errors.js';
import type { Stage } from '../../domain/plan.js';
import type { Project } from '../../domain/project.js';
import {
  type ChecklistReview,
  checklistReviewSchema,
  gradeChecklist,
  REVIEW_MAX_TOKENS,
  type ReviewCaveat,
  reviewOutputSchema,
  revisionReasons,
  type StageReview,
} from '../../domain/review.js';
import type { StageStep as ProgressStep } from '../../domain/stage-progress.js';
import { addUsage, type Usage, usageSchema, ZERO_USAGE } from '../../domain/usage.js';
import { ModelCallError } from '../model/errors.js';
import { callOptions, type JobContext, type JobOf, stageProgress } from './entry.js';
import type { Prompt } from './prompt-sections.js';
import { reviewPrompt } from './review.js';
import { type StageOutput, stageOutputSchema } from './stage-output.js';
import { revisionPrompt } from './stage-prompt.js';

/**
 * A stage's work before it is recorded: the author's draft, an independent review, and when the review
 * finds a blocking item missing, coverage under the bar or a file problem, one revision and its review.
 * Each step is stored as soon as the model answers (StageWorkLog), so a job that dies between two calls is
 * retried from the last stored step: no review, or any other call, is made or paid for twice.
 */

const authoredSchema = z.object({ output: stageOutputSchema, usage: usageSchema, model: z.string() });
type Authored = z.infer<typeof authoredSchema>;

const reviewedSchema = z.union([
  z.object({ review: checklistReviewSchema, usage: usageSchema, model: z.string() }),
  /** The reviewer could not give a usable review; the stage goes on unreviewed, saying why. */
  z.object({ skipped: z.string(), usage: usageSchema, model: z.string() }),
]);
type Reviewed = z.infer<typeof reviewedSchema>;

const revisedSchema = z.union([
  authoredSchema,
  /** The revision could not be had (output that fails its schema twice, a refused request). */
  z.object({ skipped: z.string() }),
]);

export type StageStep = 'draft' | 'review.1' | 'revision' | 'review.2';

/** What the live status calls each step. */
const PROGRESS_STEP: Record<StageStep, ProgressStep> = {
  draft: 'writing',
  'review.1': 'reviewing',
  revision: 'revising',
  'review.2': 'reviewing',
};

export interface StageWorkResult {
  output: StageOutput;
  files: DeliverableFile[];
  problems: FileProblem[];
  review?: StageReview;
  /** Why the review is incomplete, when it is (an answer that could not be used). */
  caveat?: ReviewCaveat;
  /** Every call: the author's, the reviews and the revision. */
  usage: Usage;
  /** The model that wrote the accepted version. */
  model: string;
}

/** The settings of reviewing, from REVIEW, REVIEW_MIN_COVERAGE and REVIEW_MODEL. */
export interface ReviewSettings {
  enabled: boolean;
  minCoverage: number;
  /** The reviewer's model; undefined: the job's model. */
  model: string | undefined;
}

export interface StageWorkInput {
  project: Project;
  stage: Stage;
  job: JobOf<'stage'>;
  prompt: Prompt;
  inputs: ReadonlyMap<string, Deliverable>;
  maxTokens: number;
  /** Each call's own limit (the stage's timeout): a draft, its review and a revision each get the whole of it. */
  timeoutMs: number;
}

export async function produceStage(ctx: JobContext, input: StageWorkInput): Promise<StageWorkResult> {
  const { project, stage, job } = input;
  const at = { projectId: project.id, stageId: stage.id, attempt: job.attempt };
  const step = <T>(name: StageStep, schema: z.ZodType<T>, make: () => Promise<T>): Promise<T> =>
    once(ctx, at, name, schema, () => {
      // The live status says which step is under way before the first words of its answer arrive.
      void ctx.progress?.report(at.projectId, at.stageId, at.attempt, {
        step: PROGRESS_STEP[name],
        outputTokens: 0,
        maxTokens: name.startsWith('review') ? REVIEW_MAX_TOKENS : input.maxTokens,
      });
      return make();
    });

  const draft = await step('draft', authoredSchema, () => author(ctx, input));
  const draftFiles = checkFiles(draft.output.files);
  const settings = ctx.settings.review;
  const checklist = effectiveChecklist(stage);
  if (!settings.enabled || (checklist.length === 0 && draftFiles.problems.length === 0)) {
    return accepted(draft, draftFiles, draft.usage);
  }

  const first = await step('review.1', reviewedSchema, () => review(ctx, input, 1, draft.output, draftFiles));
  let usage = addUsage(draft.usage, first.usage);
  if ('skipped' in first) return { ...accepted(draft, draftFiles, usage), caveat: 'unreviewed' };

  const reasons = revisionReasons(first.review, draftFiles.problems, settings.minCoverage);
  if (reasons.length === 0) {
    return {
      ...accepted(draft, draftFiles, usage),
      review: { first: first.review, final: first.review, revised: false, model: first.model },
    };
  }

  const revised = await step('revision', revisedSchema, () =>
    unlessUnusable(ctx, input, 'revision', () =>
      author(ctx, input, { previous: draft.output, review: first.review, problems: draftFiles.problems }),
    ),
  );
  if ('skipped' in revised) {
    // The first draft stands, with the review that asked for more: nothing delivered is lost.
    return {
      ...accepted(draft, draftFiles, usage),
      review: {
        first: first.review,
        final: first.review,
        revised: false,
        revisionReasons: reasons,
        model: first.model,
      },
      caveat: 'revision_failed',
    };
  }
  const revisedFiles = checkFiles(revised.output.files);
  const second = await step('review.2', reviewedSchema, () =>
    review(ctx, input, 2, revised.output, revisedFiles),
  );
  usage = addUsage(addUsage(usage, revised.usage), second.usage);
  const final = 'skipped' in second ? first.review : second.review;
  return {
    ...accepted(revised, revisedFiles, usage),
    review: {
      first: first.review,
      final,
      revised: true,
      revisionReasons: reasons,
      model: first.model,
    },
    ...('skipped' in second ? { caveat: 'revision_unreviewed' as const } : {}),
  };
}

function accepted(authored: Authored, files: CheckedFiles, usage: Usage) {
  return {
    output: authored.output,
    files: files.files,
    problems: files.problems,
    usage,
    model: authored.model,
  };
}

/** A stored step, or the step made now and stored (the first writer's wins if two jobs race). */
async function once<T>(
  ctx: JobContext,
  at: { projectId: string; stageId: string; attempt: number },
  name: StageStep,
  schema: z.ZodType<T>,
  make: () => Promise<T>,
): Promise<T> {
  const stored = await ctx.stageWork.get(at, name, schema);
  if (stored !== undefined) return stored;
  return ctx.stageWork.put(at, name, await make(), schema);
}

async function author(
  ctx: JobContext,
  input: StageWorkInput,
  revision?: { previous: StageOutput; review: ChecklistReview; problems: readonly FileProblem[] },
): Promise<Authored> {
  const { project, stage, job } = input;
  const prompt = revision
    ? revisionPrompt(input.prompt, revision.previous, revision.review, revision.problems)
    : input.prompt;
  const { value, usage, model } = await ctx.provider.structured(
    {
      ...prompt,
      purpose: {
        job: 'stage',
        project,
        stage,
        attempt: job.attempt,
        inputs: input.inputs,
        ...(revision ? { revision } : {}),
      },
      maxTokens: input.maxTokens,
      ...callOptions(ctx, AbortSignal.timeout(input.timeoutMs)),
      ...stageProgress(ctx, job, revision ? 'revising' : 'writing'),
    },
    stageOutputSchema,
  );
  return { output: value, usage, model };
}

/**
 * A review call's options: the stage's, with the review's own effort (MODEL_EFFORT_REVIEW: grading against
 * a checklist gains from more thought). A job on the fallback model asks without an effort, as it does.
 */
function reviewCallOptions(ctx: JobContext, timeout: AbortSignal) {
  const { effort: _stageEffort, ...options } = callOptions(ctx, timeout);
  const effort = ctx.model === undefined ? ctx.settings.effort.review : undefined;
  return { ...options, ...(effort ? { effort } : {}) };
}

/** One review call; an unusable answer leaves the stage unreviewed (`unlessUnusable`). */
async function review(
  ctx: JobContext,
  input: StageWorkInput,
  round: 1 | 2,
  output: StageOutput,
  files: CheckedFiles,
): Promise<Reviewed> {
  const { project, stage, job } = input;
  const checklist = effectiveChecklist(stage);
  const delivered = { deliverable: output.deliverable, files: files.files };
  const model = ctx.model ?? ctx.settings.review.model;
  const answer = await unlessUnusable(ctx, input, `review ${round}`, () =>
    ctx.provider.structured(
      {
        ...reviewPrompt(project, stage, checklist, delivered),
        purpose: { job: 'review', project, stage, attempt: job.attempt, round, checklist, ...delivered },
        maxTokens: REVIEW_MAX_TOKENS,
        ...reviewCallOptions(ctx, AbortSignal.timeout(input.timeoutMs)),
        ...stageProgress(ctx, job, 'reviewing'),
        ...(model ? { model } : {}),
      },
      reviewOutputSchema,
    ),
  );
  if ('skipped' in answer) return { ...answer, usage: ZERO_USAGE, model: model ?? ctx.provider.model };
  return {
    review: gradeChecklist(checklist, answer.value, delivered),
    usage: answer.usage,
    model: answer.model,
  };
}

/**
 * A call whose answer the stage can do without: output that fails its schema twice, or a request the API
 * refuses (too large, say), is logged and skipped rather than failing work that was delivered; outages,
 * timeouts and cancels are thrown, so the job is retried (its stored steps kept) or stops.
 */
async function unlessUnusable<T extends object>(
  ctx: JobContext,
  input: StageWorkInput,
  what: string,
  call: () => Promise<T>,
): Promise<T | { skipped: string }> {
  try {
    return await call();
  } catch (err) {
    const unusable =
      err instanceof ModelOutputError ||
      (err instanceof ModelCallError &&
        !err.retryable &&
        err.status !== undefined &&
        !ctx.cancelled?.aborted);
    if (!unusable) throw err;
    ctx.log.warn(
      { err, stageId: input.stage.id, step: what },
      `${what} unusable; the stage goes on without it`,
    );
    return { skipped: err.message.slice(0, 300) };
  }
}
