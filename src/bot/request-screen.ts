import { parse as parseQuery } from 'node:querystring';
import { classifySlackBody } from './slack-body.js';

/** How far a request's timestamp may be from our clock, either way (Slack's documented replay window). */
export const MAX_CLOCK_SKEW_SECONDS = 5 * 60;

/** Bolt parses a form body only under exactly this content type, and anything else as JSON. */
const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';

export interface SignedSlackRequest {
  contentType: string | undefined;
  rawBody: string;
  /** `x-slack-request-timestamp`, in seconds. */
  timestampSeconds: number;
  nowMs: number;
}

export type ScreenVerdict = { kind: 'pass' } | { kind: 'refuse'; status: 400 | 401 | 415; reason: string };

const PASS: ScreenVerdict = { kind: 'pass' };
const refuse = (status: 400 | 401 | 415, reason: string): ScreenVerdict => ({
  kind: 'refuse',
  status,
  reason,
});

/**
 * What Bolt's HTTP receiver lacks, judged on a request whose signature Bolt's own check has accepted: a
 * timestamp from the future is refused like a stale one (Bolt checks only the past), and a body Bolt could
 * not dispatch is refused with a 4xx before Bolt reads it (a JSON `null` would crash the process).
 */
export function screenSignedRequest(req: SignedSlackRequest): ScreenVerdict {
  const isForm = req.contentType === FORM_CONTENT_TYPE;
  // Slack's certificate check of a slash command URL is unsigned by design; Bolt answers it.
  if (isForm && parseQuery(req.rawBody).ssl_check === '1') return PASS;
  if (req.timestampSeconds > Math.floor(req.nowMs / 1000) + MAX_CLOCK_SKEW_SECONDS) {
    return refuse(401, 'the request timestamp is more than 5 minutes in the future');
  }
  const parsed = isForm ? parseForm(req.rawBody) : parseJson(req.contentType, req.rawBody);
  if (parsed.kind === 'refuse') return parsed;
  const body = classifySlackBody(parsed.body);
  return body.kind === 'malformed' ? refuse(400, body.reason) : PASS;
}

type Parsed = { kind: 'parsed'; body: unknown } | Extract<ScreenVerdict, { kind: 'refuse' }>;

function parseJson(contentType: string | undefined, rawBody: string): Parsed {
  const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'application/json') {
    return {
      kind: 'refuse',
      status: 415,
      reason: `content type "${contentType ?? ''}" is not one Slack sends`,
    };
  }
  try {
    return { kind: 'parsed', body: JSON.parse(rawBody) };
  } catch {
    return { kind: 'refuse', status: 400, reason: 'the body is not JSON' };
  }
}

/** Interactivity comes as one `payload` field holding JSON; a slash command as plain form fields. */
function parseForm(rawBody: string): Parsed {
  const fields = parseQuery(rawBody);
  const { payload } = fields;
  if (payload === undefined) return { kind: 'parsed', body: { ...fields } };
  if (typeof payload !== 'string')
    return { kind: 'refuse', status: 400, reason: 'more than one payload field' };
  try {
    return { kind: 'parsed', body: JSON.parse(payload) };
  } catch {
    return { kind: 'refuse', status: 400, reason: 'the payload field is not JSON' };
  }
}
