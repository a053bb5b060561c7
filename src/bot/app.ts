import { App, type CustomRoute } from '@slack/bolt';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { wasRecorded } from '../memory/dedupe.js';
import type { EventIntake } from '../memory/event-intake.js';
import type { KeySpace } from '../memory/keys.js';
import type { ProjectStore } from '../memory/project-store.js';
import type { Queues } from '../memory/queues.js';
import type { Metrics } from '../ops/metrics.js';
import { ApproverGroupDirectory } from './approver-group.js';
import { boltLogger } from './bolt-logger.js';
import type { HomeDeps } from './home/publish.js';
import { ScreenedHTTPReceiver } from './http-receiver.js';
import { registerActionListeners } from './listeners/actions.js';
import { registerAgentSessionListeners } from './listeners/agent-session.js';
import { registerCommandListeners } from './listeners/commands.js';
import { registerEventListeners } from './listeners/events.js';
import { registerHomeListeners } from './listeners/home.js';
import { registerRejectListeners } from './listeners/reject-modal.js';
import { createSlackWriter } from './outbox/writer.js';
import type { SlackAppSettings } from './settings.js';
import { SlackDirectory } from './slack-directory.js';
import { AckAfterProcessingSocketModeReceiver } from './socket-mode-receiver.js';

export interface SlackAppDeps {
  config: SlackAppSettings;
  redis: Redis;
  keys: KeySpace;
  queues: Queues;
  /** Where listeners put events: the orchestrator's queue on the fail-fast `command` connection. */
  intake: EventIntake;
  projects: ProjectStore;
  logger: Logger;
  /** Operator routes served beside /slack/events (/healthz, /metrics). */
  routes: CustomRoute[];
  metrics: Metrics;
  /** App Home and `/pipewright`: the listings, the refresh schedule (memory/project-index.ts, home-refresh.ts). */
  home: Omit<HomeDeps, 'logger' | 'approverIds'>;
}

/**
 * The Bolt app: HTTP at POST /slack/events by default, Socket Mode when SLACK_APP_TOKEN is set.
 * Either way the ack waits until the event is recorded in Redis (a few ms): a Redis outage then yields
 * a 500 (HTTP) or no ack (Socket Mode) and Slack redelivers, instead of an ack for an event we dropped.
 * Both receivers ack what no listener handles, and the HTTP one refuses what Bolt cannot safely read.
 */
export function createSlackApp(deps: SlackAppDeps): App {
  const { config, logger } = deps;
  const clientOptions = {
    ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
    timeout: config.slack.timeoutMs,
    // This client only reads (Bolt's own calls, the outbox's thread look-ups), so retrying is safe: it
    // waits out rate limits (Retry-After) and network errors a few times. Writes go through the outbox's
    // own client, which never retries blind (bot/outbox/writer.ts, createSlackWriter).
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
          deps.metrics,
        ),
      }
    : {
        receiver: new ScreenedHTTPReceiver(
          {
            signingSecret: config.slack.signingSecret ?? '',
            processBeforeResponse: true,
            port: config.port,
            customRoutes: deps.routes,
            logger: boltLogger(logger),
          },
          { log: logger, metrics: deps.metrics },
        ),
      };
  const app = new App({
    token: config.slack.botToken,
    ...transport,
    logger: boltLogger(logger),
    deferInitialization: true,
    clientOptions,
  });

  // Slack redelivers events it thinks we missed (X-Slack-Retry-Num): an event_id already recorded is
  // dropped. Events are marked only once enqueued (listeners/deliver-event.ts, memory/dedupe.ts), so an
  // event that failed anywhere before is processed when it comes again. If the mark cannot be read, the
  // event goes on: its job id (the event id) keeps a second enqueue from being a second job.
  app.use(async ({ body, next }) => {
    const eventId = (body as { event_id?: unknown }).event_id;
    if (typeof eventId === 'string') {
      const seen = await wasRecorded(deps.redis, deps.keys, eventId).catch((err: unknown) => {
        logger.warn({ err, eventId }, 'could not check whether a Slack event was seen; taking it');
        return false;
      });
      if (seen) {
        logger.info({ eventId }, 'duplicate Slack event delivery ignored');
        return;
      }
    }
    await next();
  });

  const listenerDeps = {
    redis: deps.redis,
    keys: deps.keys,
    intake: deps.intake,
    directory: new SlackDirectory(deps.redis, deps.keys, logger),
    logger,
    metrics: deps.metrics,
    render: { offlineModel: config.offlineModel.inUse },
    ...(config.approvals?.groupId
      ? {
          approvers: {
            approverIds: config.approverIds ?? [],
            groupId: config.approvals.groupId,
            directory: new ApproverGroupDirectory(deps.redis, deps.keys, logger),
          },
        }
      : {}),
  };
  registerEventListeners(app, { ...listenerDeps, projects: deps.projects });
  registerActionListeners(app, listenerDeps);
  registerRejectListeners(app, {
    ...listenerDeps,
    projects: deps.projects,
    approverIds: config.approverIds,
    slack: config.slack,
  });
  registerAgentSessionListeners(app, { ...listenerDeps, projects: deps.projects });
  const writer = createSlackWriter(config.slack, logger.child({ component: 'bot-writer' }));
  const homeDeps = { ...deps.home, approverIds: config.approverIds, logger };
  registerHomeListeners(app, { ...homeDeps, writer, render: listenerDeps.render });
  registerCommandListeners(app, {
    ...listenerDeps,
    projects: deps.projects,
    index: deps.home.index,
    approverIds: config.approverIds,
    maxOpenProjectsPerUser: config.maxOpenProjectsPerUser,
    writer,
  });

  app.error(async (error) => {
    logger.error({ err: error }, 'slack request failed');
    throw error;
  });
  return app;
}
