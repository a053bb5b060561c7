import { existsSync } from 'node:fs';
import { loadConfig, missingCredentials, type ProcessRole } from './app/config.js';
import { createLogger } from './app/logger.js';
import { startSystem } from './app/system.js';
import { ConfigError } from './domain/errors.js';

/** Grace period for in-flight jobs on SIGTERM before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 25_000;

const ROLES: readonly ProcessRole[] = ['all', 'bot', 'worker'];

async function main(): Promise<void> {
  const role = (process.argv[2] ?? 'all') as ProcessRole;
  if (!ROLES.includes(role)) {
    console.error(`usage: main.ts [all|bot|worker] (got "${role}")`);
    process.exit(2);
  }
  if (existsSync('.env')) process.loadEnvFile('.env');

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
        'Copy .env.example to .env and fill these in (README, "Create the Slack app").',
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
    system
      .stop()
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
