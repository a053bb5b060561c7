import { PipewrightError } from '../../domain/errors.js';

/**
 * A model-provider error that says what the queue should do: `retryable` (429, 5xx, 529, timeouts,
 * connection failures) or not (400, 401, 403, 404, 422), and how long the provider asked us to wait.
 */
export class ModelCallError extends PipewrightError {
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  /** True when the provider itself is unwell (counts toward the circuit breaker). */
  readonly providerFault: boolean;

  constructor(
    message: string,
    opts: { status: number | undefined; retryable: boolean; retryAfterMs?: number; cause: unknown },
  ) {
    super(opts.retryable ? 'model_unavailable' : 'model_request_rejected', message, {
      fault: 'third_party',
      retryable: opts.retryable,
      cause: opts.cause,
    });
    this.name = 'ModelCallError';
    this.status = opts.status;
    this.retryAfterMs = opts.retryAfterMs;
    this.providerFault = opts.retryable;
  }
}

/** The breaker is open: the job should wait until `retryAt` without spending an attempt. */
export class BreakerOpenError extends PipewrightError {
  readonly retryAt: number;
  constructor(retryAt: number) {
    super(
      'model_unavailable',
      `model provider circuit breaker is open until ${new Date(retryAt).toISOString()}`,
      {
        fault: 'third_party',
        retryable: true,
      },
    );
    this.name = 'BreakerOpenError';
    this.retryAt = retryAt;
  }
}

/** Reads `retry-after` (seconds or an HTTP date) and `retry-after-ms`, as the SDK does. */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  const ms = headers?.get('retry-after-ms');
  if (ms && Number.isFinite(Number(ms))) return Number(ms);
  const value = headers?.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
