import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';

/**
 * Connection factory. Two kinds, following BullMQ's guidance:
 * - `blocking` for workers: retries forever (maxRetriesPerRequest: null) so a Redis restart is survived;
 * - `command` for request paths (Slack listeners, healthz, stores): fails fast when Redis is down, so a
 *   request gets an error now instead of hanging past Slack's 3-second ack window.
 */
export type ConnectionKind = 'blocking' | 'command';

export function createRedis(url: string, kind: ConnectionKind, logger: Logger): Redis {
  const options: RedisOptions =
    kind === 'blocking'
      ? { maxRetriesPerRequest: null, enableReadyCheck: true }
      : { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000, commandTimeout: 2_000 };
  const redis = new Redis(url, {
    ...options,
    lazyConnect: false,
    // Reconnect with a capped backoff; ioredis keeps trying forever.
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  });
  let down = false;
  redis.on('error', (err) => {
    if (!down) logger.error({ err, kind }, 'redis connection error');
    down = true;
  });
  redis.on('ready', () => {
    if (down) logger.info({ kind }, 'redis connection restored');
    down = false;
  });
  return redis;
}

/** Resolves when the connection is ready, or rejects after `timeoutMs`. */
export async function waitUntilReady(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      reject(new Error(`redis not ready after ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    redis.once('ready', onReady);
  });
}
