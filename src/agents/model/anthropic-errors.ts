import Anthropic from '@anthropic-ai/sdk';
import { PipewrightError } from '../../domain/errors.js';
import { ModelCallError, retryAfterMs } from './errors.js';

/**
 * What the Anthropic SDK throws, as an error that says what the queue should do (model/errors.ts).
 * 4xx other than 408/409/429 means the request itself is wrong: retrying cannot help.
 */
export function classifyModelError(err: unknown, stageTimedOut = false): PipewrightError {
  if (err instanceof PipewrightError) return err;
  if (err instanceof Anthropic.APIUserAbortError) {
    return new ModelCallError(
      stageTimedOut ? 'stage timed out waiting for the model' : 'model call aborted',
      {
        status: undefined,
        retryable: true,
        cause: err,
      },
    );
  }
  if (err instanceof Anthropic.APIError) {
    const status = err.status;
    const retryable =
      status === undefined || status === 408 || status === 409 || status === 429 || status >= 500;
    const wait = retryAfterMs(err.headers);
    return new ModelCallError(`model API ${status ?? 'connection'} error: ${err.message}`, {
      status,
      retryable,
      ...(wait === undefined ? {} : { retryAfterMs: wait }),
      cause: err,
    });
  }
  return new ModelCallError(`model call failed: ${String(err)}`, {
    status: undefined,
    retryable: true,
    cause: err,
  });
}
