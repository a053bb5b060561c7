import type { z } from 'zod';
import { assertNever } from '../../../domain/assert-never.js';
import { ModelOutputError } from '../../../domain/errors.js';
import { ZERO_USAGE } from '../../../domain/usage.js';
import { progressMeter } from '../progress.js';
import type { ModelPrompt, ModelProvider, ModelPurpose, ModelResult } from '../provider.js';
import { composeReview } from './checklist.js';
import { composeClarify } from './clarify.js';
import { thinkingTimeMs, waitUnlessAborted } from './latency.js';
import { composePlan } from './plan.js';
import { composeStage } from './stage.js';
import { composeSummary } from './summary.js';

/** The name the offline model answers under: in stage records, the report and the logs. */
export const OFFLINE_MODEL = 'offline';

/** Steps the offline model's "writing" is shown in: enough for the playground's status to move. */
const PROGRESS_STEPS = 4;

export interface OfflineProviderOptions {
  /** About how long one call takes (OFFLINE_MODEL_LATENCY_MS); 0 answers at once. */
  latencyMs: number;
}

/** The offline answer to a job: composed from the job's facts, never from its prompt text. */
export function composeAnswer(purpose: ModelPurpose): unknown {
  switch (purpose.job) {
    case 'clarify':
      return composeClarify(purpose);
    case 'plan':
      return composePlan(purpose);
    case 'stage':
      return composeStage(purpose);
    case 'summary':
      return composeSummary(purpose);
    case 'review':
      return composeReview(purpose);
    default:
      return assertNever(purpose);
  }
}

/**
 * A model that runs on this machine, for the playground and for trying Pipewright without an API key. It
 * answers every job with varied, deterministic content made from the job's facts (the same project always
 * gets the same answers), takes about `latencyMs` to do it, and costs nothing: usage is one call with zero
 * tokens and zero dollars, so the budgets never pause it. Its answer still passes the job's schema, or
 * it throws ModelOutputError like any model.
 */
export class OfflineProvider implements ModelProvider {
  readonly model = OFFLINE_MODEL;

  constructor(private readonly options: OfflineProviderOptions) {}

  async structured<T>(prompt: ModelPrompt, schema: z.ZodType<T>): Promise<ModelResult<T>> {
    const answer = composeAnswer(prompt.purpose);
    const thinkingMs = thinkingTimeMs(prompt.purpose, this.options.latencyMs);
    if (prompt.onProgress) {
      // As a streamed answer would: its text (the answer's JSON) arrives in a few parts over the latency.
      const chars = JSON.stringify(answer).length;
      const meter = progressMeter(prompt);
      for (let step = 1; step <= PROGRESS_STEPS; step++) {
        await waitUnlessAborted(thinkingMs / PROGRESS_STEPS, prompt.signal);
        meter(Math.round((chars * step) / PROGRESS_STEPS), step === PROGRESS_STEPS);
      }
    } else {
      await waitUnlessAborted(thinkingMs, prompt.signal);
    }
    const parsed = schema.safeParse(answer);
    if (!parsed.success) {
      throw new ModelOutputError(
        parsed.error.issues
          .slice(0, 8)
          .map((i) => `- ${i.path.join('.') || '(root)'}: ${i.message}`)
          .join('\n'),
      );
    }
    return { value: parsed.data, usage: { ...ZERO_USAGE, calls: 1 }, model: OFFLINE_MODEL };
  }
}
