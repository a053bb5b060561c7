import { existsSync } from 'node:fs';
import { loadConfig, missingCredentials, type ProcessRole } from './app/config.js';
import { RedisNotFoundError } from './app/local-redis.js';
import { createLogger } from './app/logger.js';
import { playgroundBanner, startPlayground } from './app/playground.js';
import { startSystem } from './app/system.js';
import { ConfigError } from './domain/errors.js';

/** Grace period for in-flight jobs on SIGTERM before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 25_000;

type Mode = ProcessRole | 'playground';
const MODES: readonly Mode[] = ['all', 'bot', 'worker', 'playground'];

/** No Slack credentials at all: a newcomer's first `npm start`, which opens the playground. */
function hasNoSlackCredentials(env: NodeJS.ProcessEnv): boolean {
  return !env.SLACK_BOT_TOKEN && !env.SLACK_SIGNING_SECRET && !env.SLACK_APP_TOKEN;
}

async function main(): Promise<void> {
  const mode = (process.argv[2] ?? 'all') as Mode;
  if (!MODES.includes(mode)) {
    console.error(`usage: main.ts [all|bot|worker|playground] (got "${mode}")`);
    process.exit(2);
  }
  if (existsSync('.env')) process.loadEnvFile('.env');
  if (mode === 'playground' || (mode === 'all' && hasNoSlackCredentials(process.env))) {
    await runPlayground();
    return;
  }
  const role: ProcessRole = mode;

  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(1);
  }
  const missing = missingCredentials(config, role);
  if (missing.length > 0) {
    console.error(
      [
        `Pipewright cannot start the ${role === 'all' ? 'bot and worker' : role} without:`,
        ...missing.map((m) => `  - ${m}`),
        'Copy .env.example to .env and fill these in (README, "Create the Slack app"), or try it first with npm run playground.',
      ].join('\n'),
    );
    process.exit(1);
  }

  const logger = createLogger(config.logLevel);
  // Node would exit on these anyway; log them first through pino, so they are structured and redacted.
  process.on('unhandledRejection', (err) => {
    logger.fatal({ err }, 'unhandled promise rejection: exiting (queued work is picked up on restart)');
    process.exit(1);
  });
  const system = await startSystem(config, role, logger).catch((err: unknown) => {
    logger.fatal({ err }, 'pipewright failed to start');
    process.exit(1);
  });
  stopOnSignals(logger, () => system.stop());
}

async function runPlayground(): Promise<void> {
  let logger: ReturnType<typeof createLogger>;
  try {
    // Quiet by default: the page shows what happens, and the banner should stay readable.
    logger = createLogger(process.env.LOG_LEVEL ? loadConfig().logLevel : 'warn');
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(1);
  }
  process.on('unhandledRejection', (err) => {
    logger.fatal({ err }, 'unhandled promise rejection: exiting');
    process.exit(1);
  });
  const playground = await startPlayground(process.env, logger).catch((err: unknown) => {
    if (err instanceof RedisNotFoundError || err instanceof ConfigError) console.error(err.message);
    else if (isAddressInUse(err)) {
      console.error(
        `Port ${process.env.PORT || 3000} is in use. Stop what uses it, or pick another: PORT=3001 npm start`,
      );
    } else logger.fatal({ err }, 'the playground failed to start');
    process.exit(1);
  });
  process.stdout.write(playgroundBanner(playground));
  stopOnSignals(logger, () => playground.stop());
}

function isAddressInUse(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && err.code === 'EADDRINUSE';
}

function stopOnSignals(logger: ReturnType<typeof createLogger>, stopAll: () => Promise<void>): void {
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight work');
    const force = setTimeout(() => {
      logger.warn('grace period over; exiting with work still in flight (it will be picked up again)');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    stopAll()
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        logger.error({ err }, 'error during shutdown');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

void main();
