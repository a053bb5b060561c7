import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { PLAYGROUND_USER_IDS, startPlaygroundSlackApi } from '../playground/slack-api/index.js';
import { PLAYGROUND_CSS, renderMessage, renderView } from '../playground/web/render/index.js';
import { playgroundRoutes } from '../playground/web/routes.js';
import { loadConfig } from './config.js';
import { type RunningRedis, startRedisServer } from './local-redis.js';
import { type RunningSystem, startSystem } from './system.js';

/**
 * The local playground: the real bot (Bolt app, queues, orchestrator, agents) against a Slack stand-in
 * that keeps a small workspace in Redis, with a page at http://localhost:PORT/ that looks like a channel.
 * Without ANTHROPIC_API_KEY the offline model answers; without REDIS_URL a private redis-server runs
 * for as long as the playground does.
 */

export interface RunningPlayground {
  url: string;
  offline: boolean;
  /** The private redis-server, when REDIS_URL was not set. */
  localRedis: RunningRedis | undefined;
  system: RunningSystem;
  /** The Slack stand-in the bot talks to: its Web API URL and the bot token it accepts. */
  slack: { apiUrl: string; botToken: string; triggerId(user: string): string };
  stop(): Promise<void>;
}

/** Redis keys of the playground's app and workspace, apart from any real bot's on the same Redis. */
const PLAYGROUND_KEY_PREFIX = 'pwplay';
const SLACK_CHANNEL_POST_LIMIT = { intervalMs: 1_000, burst: 3 };
/** The app id events and clicks carry (Slack's A…); the bot checks none, but real payloads have one. */
const PLAYGROUND_APP_ID = 'A0PIPEWRIGHT';

export interface PlaygroundOptions {
  /**
   * The stand-in's limit on posts per channel (default: Slack's, about one a second). The eval's CI check
   * lowers it, with SLACK_CHANNEL_POST_INTERVAL_MS to match, so whole runs take seconds.
   */
  channelPostLimit?: { intervalMs: number; burst: number };
}

export async function startPlayground(
  env: NodeJS.ProcessEnv,
  logger: Logger,
  opts: PlaygroundOptions = {},
): Promise<RunningPlayground> {
  const localRedis = env.REDIS_URL ? undefined : await startRedisServer();
  const redisUrl = env.REDIS_URL ?? localRedis?.url ?? '';
  const keyPrefix = env.REDIS_KEY_PREFIX || PLAYGROUND_KEY_PREFIX;
  const standInRedis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 3 });
  const cleanups: Array<() => Promise<unknown>> = [];
  try {
    await standInRedis.connect();
    cleanups.push(() => standInRedis.quit());
    const standIn = await startPlaygroundSlackApi({ redis: standInRedis, keyPrefix: `${keyPrefix}:slack` });
    cleanups.push(() => standIn.close());
    // Slack's own limit on posts per channel (about one a second, short bursts allowed): the stand-in
    // answers 429 with Retry-After past it, as Slack does, and the bot's pacing keeps under it.
    standIn.limitPostsPerChannel(opts.channelPostLimit ?? SLACK_CHANNEL_POST_LIMIT);
    const signingSecret = randomBytes(24).toString('hex');
    const offline = !env.ANTHROPIC_API_KEY;
    const config = loadConfig({
      ...env,
      SLACK_BOT_TOKEN: standIn.botToken,
      SLACK_SIGNING_SECRET: signingSecret,
      SLACK_APP_TOKEN: '',
      SLACK_API_URL: standIn.apiUrl,
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: keyPrefix,
      APPROVER_IDS: env.APPROVER_IDS || PLAYGROUND_USER_IDS.approver,
    });
    let appUrl = '';
    const system = await startSystem(config, 'all', logger, {
      host: '127.0.0.1',
      routes: playgroundRoutes({
        workspace: standIn.workspace,
        renderer: {
          message: renderMessage,
          view: (view, ctx, viewId) => renderView(view, ctx, viewId ? { viewId } : {}),
        },
        messageCss: PLAYGROUND_CSS,
        app: {
          teamId: standIn.identity.teamId,
          botUserId: standIn.identity.botUserId,
          apiAppId: PLAYGROUND_APP_ID,
        },
        signingSecret,
        appUrl: () => appUrl,
        responseUrl: (target, label = 'click') => standIn.responseUrl(label, target),
        triggerId: (user) => standIn.triggerId(user),
        viewAsSent: (viewId) => standIn.viewAsSent(viewId),
        offline,
        logger: logger.child({ component: 'playground' }),
      }),
    });
    appUrl = `http://127.0.0.1:${system.port}`;
    const stop = async () => {
      await system.stop();
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
      await localRedis?.stop();
    };
    return {
      url: `http://localhost:${system.port}`,
      offline,
      localRedis,
      system,
      slack: {
        apiUrl: standIn.apiUrl,
        botToken: standIn.botToken,
        triggerId: (user) => standIn.triggerId(user),
      },
      stop,
    };
  } catch (err) {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    standInRedis.disconnect();
    await localRedis?.stop();
    throw err;
  }
}

/** What `npm start` prints when the playground is up: where it is, what it is, how to leave it. */
export function playgroundBanner(p: RunningPlayground): string {
  return [
    '',
    `  Pipewright local playground: ${p.url}`,
    '',
    '  This is the local playground, not Slack: the real bot runs here against a Slack stand-in kept in Redis.',
    p.offline
      ? '  Model: offline (no ANTHROPIC_API_KEY). Answers are made up locally, cost nothing and leave nothing here.'
      : '  Model: Claude, with your ANTHROPIC_API_KEY (this spends money).',
    p.localRedis
      ? `  Redis: a private redis-server on port ${p.localRedis.port}; it and this workspace go when you stop.`
      : '  Redis: REDIS_URL.',
    '  Open the address, pick who you are under "Acting as", and write "@pipewright" and what to build.',
    '',
    '  To connect a real Slack workspace: create the app (README, "Create the Slack app"), put',
    '  SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET in .env, and run npm start again.',
    '  Stop with Ctrl+C.',
    '',
  ].join('\n');
}
