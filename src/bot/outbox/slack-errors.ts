import { webApi } from '@slack/bolt';
import { UnrecoverableError } from 'bullmq';
import type { Logger } from 'pino';
import type { Metrics } from '../../ops/metrics.js';
import type { RenderedMessage } from '../views/message.js';

/** Slack errors that no retry can fix: the job is dropped with a log line. */
const PERMANENT_SLACK_ERRORS = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'msg_too_long',
  'no_text',
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'user_not_in_channel',
  'message_not_found',
  'cant_update_message',
]);

export function isRateLimited(err: unknown): err is webApi.WebAPIRateLimitedError {
  return (
    typeof err === 'object' &&
    err !== null &&
    'code' in err &&
    err.code === webApi.ErrorCode.RateLimitedError &&
    'retryAfter' in err &&
    typeof err.retryAfter === 'number'
  );
}

/** The `error` Slack answered with (`channel_not_found`, `invalid_blocks`, …); none for a transport failure. */
export function platformError(err: unknown): string | undefined {
  if (
    typeof err === 'object' &&
    err !== null &&
    'code' in err &&
    err.code === webApi.ErrorCode.PlatformError
  ) {
    const data = (err as { data?: { error?: unknown } }).data;
    return typeof data?.error === 'string' ? data.error : undefined;
  }
  return undefined;
}

export type SlackCall<T> = (message: RenderedMessage | { text: string }) => Promise<T>;

/**
 * Makes one Slack write. A message Slack refuses for its blocks is sent again as plain text rather than
 * lost; an error no retry can fix ends the job (UnrecoverableError); a 429 goes back to the caller as is.
 */
export async function sendWithFallback<T>(
  log: Logger,
  metrics: Metrics,
  message: RenderedMessage,
  call: SlackCall<T>,
): Promise<T> {
  try {
    return await call(message);
  } catch (err) {
    if (isRateLimited(err)) throw err; // counted and handled by the caller
    const slackError = platformError(err);
    metrics.slackApiErrors.inc({ error: slackError ?? 'transport' });
    if (slackError === 'invalid_blocks' && 'withoutTables' in message && message.withoutTables) {
      log.warn({ err }, 'slack refused the table block; sending the message with text instead');
      return await sendWithFallback(log, metrics, message.withoutTables, call);
    }
    if (slackError === 'invalid_blocks') {
      log.error({ err }, 'slack refused the blocks; sending plain text instead');
      return await call({ text: message.text });
    }
    if (slackError && PERMANENT_SLACK_ERRORS.has(slackError)) {
      log.error({ slackError }, 'slack refused the message permanently');
      throw new UnrecoverableError(`slack: ${slackError}`);
    }
    throw err;
  }
}
