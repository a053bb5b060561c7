import { z } from 'zod';
import type { StatusView } from './views.js';

/**
 * How far a running stage is: which step (writing its deliverable, being reviewed, revising it) and the
 * output tokens written so far against the call's limit. The agents worker records it as the model writes
 * (memory/stage-progress.ts); the live status and the `status` reply show it on the running stage.
 */
export const STAGE_STEPS = ['writing', 'reviewing', 'revising'] as const;
export type StageStep = (typeof STAGE_STEPS)[number];

export const stageProgressSchema = z.object({
  attempt: z.number().int().min(1),
  step: z.enum(STAGE_STEPS),
  /** Estimated from the text received so far (about four characters a token). */
  outputTokens: z.number().int().min(0),
  maxTokens: z.number().int().min(0),
  updatedAt: z.number(),
});
export type StageProgress = z.infer<typeof stageProgressSchema>;

/** What a stage job reports: the record without the bookkeeping. */
export type StageProgressUpdate = Pick<StageProgress, 'step' | 'outputTokens' | 'maxTokens'>;

/** Stages of a status view whose progress is worth reading: the running ones. */
export function runningStageIds(view: StatusView): string[] {
  return view.stages.filter((s) => s.state === 'running').map((s) => s.id);
}

/**
 * The view with each running stage's progress, from records keyed by stage id. A record of another
 * attempt (an earlier try's, left by a crash) or of a stage no longer running is ignored.
 */
export function withStageProgress(view: StatusView, records: ReadonlyMap<string, StageProgress>): StatusView {
  if (records.size === 0) return view;
  return {
    ...view,
    stages: view.stages.map((line) => {
      const p = records.get(line.id);
      if (!p || line.state !== 'running' || (line.attempt !== undefined && line.attempt !== p.attempt))
        return line;
      return { ...line, progress: { step: p.step, outputTokens: p.outputTokens, maxTokens: p.maxTokens } };
    }),
  };
}
