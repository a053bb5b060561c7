/** What a handler answers: an HTTP status, the JSON body, any headers (Retry-After). */
export interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

export function ok(body: Record<string, unknown> = {}): Answer {
  return { status: 200, body: { ok: true, ...body } };
}

/** Slack's refusals are HTTP 200 with `ok: false` and an error code. */
export function fail(error: string, extra: Record<string, unknown> = {}): Answer {
  return { status: 200, body: { ok: false, error, ...extra } };
}

/** `invalid_arguments` with one `[ERROR] …` line per problem, as Slack words it. */
export function invalidArguments(problems: string[]): Answer {
  return fail('invalid_arguments', { response_metadata: { messages: problems.map((p) => `[ERROR] ${p}`) } });
}

/** Slack's answer to a call over its rate limit: HTTP 429 with the seconds to wait. */
export function rateLimited(retryAfterSeconds: number): Answer {
  return {
    status: 429,
    body: { ok: false, error: 'ratelimited' },
    headers: { 'retry-after': String(retryAfterSeconds) },
  };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What Slack counts as a missing argument. */
export function isBlank(value: unknown): boolean {
  return (
    value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0)
  );
}
