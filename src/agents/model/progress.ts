import type { ModelPrompt } from './provider.js';

/** Output tokens between two progress reports of one request: often enough to watch, rarely enough to be free. */
export const PROGRESS_STEP_TOKENS = 250;

/**
 * Turns the growing text of an answer into `onProgress` calls: the first text, then every
 * PROGRESS_STEP_TOKENS more, and the whole answer when the caller says it is whole. A listener that throws is ignored: progress is for show.
 */
export function progressMeter(
  prompt: Pick<ModelPrompt, 'maxTokens' | 'onProgress'>,
): (chars: number, whole?: boolean) => void {
  const { onProgress, maxTokens } = prompt;
  let reported = -1;
  return (chars, whole = false) => {
    if (!onProgress) return;
    // About four characters a token, as domain/spending.ts `estimateTokens` counts.
    const outputTokens = Math.ceil(chars / 4);
    if (reported >= 0 && !whole && outputTokens - reported < PROGRESS_STEP_TOKENS) return;
    reported = outputTokens;
    try {
      onProgress({ outputTokens, maxTokens });
    } catch {
      // a broken listener costs the status its progress, never the call
    }
  };
}
