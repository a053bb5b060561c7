import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';

/** Small HTTP helpers for the page's routes: bounded JSON bodies, same-origin checks, answers. */

const MAX_BODY_BYTES = 256 * 1024;

export class BadRequestError extends Error {
  readonly code = 'bad_request';
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = 'BadRequestError';
  }
}

/**
 * Reads a JSON body that matches `schema`. Only `application/json` from the page's own origin is taken:
 * a form on another site cannot send that without a CORS preflight, which this server never grants, so
 * no web page can act as a playground user.
 */
export async function readJsonBody<T>(req: IncomingMessage, schema: z.ZodType<T>): Promise<T> {
  if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
    throw new BadRequestError('expected application/json', 415);
  }
  const origin = req.headers.origin;
  if (origin !== undefined && new URL(origin).host !== req.headers.host) {
    throw new BadRequestError('cross-origin requests are refused', 403);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new BadRequestError('request body too large', 413);
    chunks.push(chunk as Buffer);
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new BadRequestError('body is not JSON');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new BadRequestError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  }
  return parsed.data;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res
    .writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' })
    .end(JSON.stringify(body));
}

export function sendError(res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  if (err instanceof BadRequestError) sendJson(res, err.status, { ok: false, error: err.message });
  else sendJson(res, 500, { ok: false, error: 'the playground could not do that; see the terminal' });
}

/** The page's own assets and shell: no inline script, so injected markup could not run one. */
export const PAGE_SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data: http: https:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
} as const;

export function queryOf(req: IncomingMessage): URLSearchParams {
  return new URL(req.url ?? '/', 'http://playground.local').searchParams;
}
