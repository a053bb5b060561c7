import { App, type CustomRoute } from '@slack/bolt';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { claimEvent } from '../memory/dedupe.js';
import type { KeySpace } from '../memory/keys.js';
import type { ProjectStore } from '../memory/project-store.js';
import type { Queues } from '../memory/queues.js';
import type { Metrics } from '../ops/metrics.js';
import { boltLogger } from './bolt-logger.js';
import { registerActionListeners } from './listeners/actions.js';
import { registerEventListeners } from './listeners/events.js';
import { AckAfterProcessingSocketModeReceiver } from './socket-mode-receiver.js';

export interface SlackAppDeps {
  config: Config;
  redis: Redis;
  keys: KeySpace;
  queues: Queues;
  projects: ProjectStore;
  logger: Logger;
  /** Operator routes served beside /slack/events (/healthz, /metrics). */
  routes: CustomRoute[];
  metrics: Metrics;
}

/**
 * The Bolt app: HTTP at POST /slack/events by default, Socket Mode when SLACK_APP_TOKEN is set.
 * Either way the ack waits until the event is recorded in Redis (a few ms): a Redis outage then yields
 * a 500 (HTTP) or no ack (Socket Mode) and Slack redelivers, instead of an ack for an event we dropped.
 */
export function createSlackApp(deps: SlackAppDeps): App {
  const { config, logger } = deps;
  const clientOptions = {
    ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
    timeout: config.slack.timeoutMs,
    // This client only reads (Bolt's own calls, the outbox's thread look-ups), so retrying is safe: it
    // waits out rate limits (Retry-After) and network errors a few times. Writes go through the outbox's
    // own client, which never retries blind (bot/outbox.ts, createSlackWriter).
    retryConfig: { retries: 4, factor: 2, minTimeout: 500, maxTimeout: 30_000 },
  };
  const transport = config.slack.appToken
    ? {
        receiver: new AckAfterProcessingSocketModeReceiver(
          {
            appToken: config.slack.appToken,
            logger: boltLogger(logger),
            // Bolt serves custom routes on this port in Socket Mode; the client options reach the socket's own Web client.
            installerOptions: { port: config.port, clientOptions },
            customRoutes: deps.routes,
          },
          logger,
        ),
      }
    : { processBeforeResponse: true, port: config.port, customRoutes: deps.routes };
  const app = new App({
    token: config.slack.botToken,
    signingSecret: config.slack.signingSecret ?? '',
    ...transport,
    logger: boltLogger(logger),
    deferInitialization: true,
    clientOptions,
  });

  // Slack redelivers events it thinks we missed (X-Slack-Retry-Num): each event_id is processed once.
  app.use(async ({ body, next }) => {
    const eventId = (body as { event_id?: unknown }).event_id;
    if (typeof eventId === 'string' && !(await claimEvent(deps.redis, deps.keys, eventId))) {
      logger.info({ eventId }, 'duplicate Slack event delivery ignored');
      return;
    }
    await next();
  });

  const listenerDeps = {
    redis: deps.redis,
    keys: deps.keys,
    queues: deps.queues,
    logger,
    metrics: deps.metrics,
  };
  registerEventListeners(app, { ...listenerDeps, projects: deps.projects });
  registerActionListeners(app, listenerDeps);

  app.error(async (error) => {
    logger.error({ err: error }, 'slack request failed');
    throw error;
  });
  return app;
}
