/**
 * Delay before the next attempt of a model job: exponential from `baseMs`, with "equal jitter" (half
 * fixed, half random) so retries from many jobs spread out, and never shorter than what the provider
 * asked for in retry-after.
 */
export function backoffDelay(
  attemptsMade: number,
  baseMs: number,
  retryAfterMs?: number,
  random = Math.random,
): number {
  const exponential = baseMs * 2 ** Math.max(0, attemptsMade - 1);
  const capped = Math.min(exponential, 10 * 60_000);
  const jittered = capped / 2 + random() * (capped / 2);
  return Math.round(Math.max(jittered, retryAfterMs ?? 0));
}
