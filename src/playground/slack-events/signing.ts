import { createHmac } from 'node:crypto';

/**
 * Sends requests to the app the way Slack does: signed with the signing secret (v0 HMAC-SHA256 over
 * `v0:timestamp:body`), events as JSON and interactivity as a form-encoded `payload`, all at `/slack/events`.
 */

export interface SignedPostOptions {
  /** Sets `x-slack-retry-num` (and `x-slack-retry-reason: http_timeout`), as Slack does on redelivery. */
  retryNum?: number;
  /** Request timestamp in seconds; defaults to now. */
  timestamp?: number;
  /** Sign with the wrong secret, so the app must reject the request (tests). */
  badSignature?: boolean;
  /** Gives up after this long (default 10 s); Slack itself gives up after 3 s and retries. */
  timeoutMs?: number;
}

export interface SignedPostResult {
  status: number;
  body: string;
  /** Time until the app answered: Slack gives up after 3 s. */
  ms: number;
}

export function signSlackRequest(
  signingSecret: string,
  rawBody: string,
  timestampSeconds = Math.floor(Date.now() / 1000),
): Record<string, string> {
  const digest = createHmac('sha256', signingSecret)
    .update(`v0:${timestampSeconds}:${rawBody}`)
    .digest('hex');
  return {
    'x-slack-request-timestamp': String(timestampSeconds),
    'x-slack-signature': `v0=${digest}`,
  };
}

export function postSignedEvent(
  appUrl: string,
  signingSecret: string,
  envelope: object,
  opts: SignedPostOptions = {},
): Promise<SignedPostResult> {
  return postSignedRaw(appUrl, signingSecret, JSON.stringify(envelope), 'application/json', opts);
}

export function postSignedAction(
  appUrl: string,
  signingSecret: string,
  payload: object,
  opts: SignedPostOptions = {},
): Promise<SignedPostResult> {
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  return postSignedRaw(appUrl, signingSecret, body, 'application/x-www-form-urlencoded', opts);
}

/** Posts `rawBody` signed as given, with any content type. */
export async function postSignedRaw(
  appUrl: string,
  signingSecret: string,
  rawBody: string,
  contentType: string,
  opts: SignedPostOptions = {},
): Promise<SignedPostResult> {
  const secret = opts.badSignature ? `${signingSecret}-but-wrong` : signingSecret;
  const headers: Record<string, string> = {
    'content-type': contentType,
    ...signSlackRequest(secret, rawBody, opts.timestamp),
  };
  if (opts.retryNum !== undefined) {
    headers['x-slack-retry-num'] = String(opts.retryNum);
    headers['x-slack-retry-reason'] = 'http_timeout';
  }
  const started = performance.now();
  const response = await fetch(`${appUrl.replace(/\/$/, '')}/slack/events`, {
    method: 'POST',
    headers,
    body: rawBody,
    signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
  });
  const body = await response.text();
  return { status: response.status, body, ms: Math.round(performance.now() - started) };
}
