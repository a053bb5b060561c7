import { webApi } from '@slack/bolt';
import type { Logger } from 'pino';
import { boltLogger } from '../bolt-logger.js';
import type { SlackSettings } from '../settings.js';

/**
 * The Web API client for Slack writes. It never retries by itself: a write whose answer was lost (network
 * error, timeout, 5xx) may have reached Slack, so the outbox job retries it after looking for it in the
 * thread. A 429 comes back at once (`rejectRateLimitedCalls`) and the outbox sets that job aside for
 * Retry-After: the client's own wait would pause every Slack request of the process and hold the lane.
 */
export function createSlackWriter(
  slack: Pick<SlackSettings, 'botToken' | 'apiUrl' | 'timeoutMs'>,
  logger: Logger,
): webApi.WebClient {
  return new webApi.WebClient(slack.botToken, {
    ...(slack.apiUrl ? { slackApiUrl: slack.apiUrl } : {}),
    timeout: slack.timeoutMs,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    logger: boltLogger(logger),
  });
}
