/** Options for {@link waitFor}. `message` may be a function so it can describe the state at timeout. */
export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  message?: string | (() => string);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Polls `probe` until it returns a truthy value and resolves with that value.
 * A probe that throws counts as "not yet" (the system under test may still be starting up),
 * and the last such error is quoted in the timeout message so the failure stays explainable.
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  opts: WaitOptions = {},
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const intervalMs = opts.intervalMs ?? 20;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) throw new Error(timeoutMessage(opts.message, timeoutMs, lastError));
    await sleep(intervalMs);
  }
}

function timeoutMessage(message: WaitOptions['message'], timeoutMs: number, lastError: unknown): string {
  const base =
    (typeof message === 'function' ? message() : message) ?? `waitFor timed out after ${timeoutMs} ms`;
  if (lastError === undefined) return base;
  const reason = lastError instanceof Error ? lastError.message : String(lastError);
  return `${base} (last probe error: ${reason})`;
}
