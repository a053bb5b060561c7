import { ModelCallError } from '../errors.js';
import type { ModelPurpose } from '../provider.js';
import { seededRng } from './seed.js';

/**
 * How long the offline model "thinks" about one call: `baseMs` with ±40% jitter, drawn from the call's
 * own facts, so a run looks alive in the playground and a repeat of the same call takes as long.
 */
export function thinkingTimeMs(purpose: ModelPurpose, baseMs: number): number {
  if (baseMs <= 0) return 0;
  const stageId = purpose.job === 'stage' || purpose.job === 'review' ? purpose.stage.id : '';
  const rng = seededRng('latency', purpose.job, purpose.project.id, stageId);
  // Reading and grading is quicker than writing.
  const share = purpose.job === 'review' ? 0.5 : 1;
  return Math.round(baseMs * share * (0.6 + 0.8 * rng.next()));
}

/** Waits `ms`, or stops at once when `signal` aborts (the stage's timeout), as a model call would. */
export function waitUnlessAborted(ms: number, signal: AbortSignal | undefined): Promise<void> {
  const aborted = () =>
    new ModelCallError('model call aborted', { status: undefined, retryable: true, cause: signal?.reason });
  if (signal?.aborted) return Promise.reject(aborted());
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(aborted());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
