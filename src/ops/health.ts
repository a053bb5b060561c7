import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Redis } from 'ioredis';

/** How long healthz waits for Redis before calling it down. */
const PING_TIMEOUT_MS = 1_000;

/** GET /healthz: 200 with JSON when Redis answers a PING, 503 when it does not. */
export function healthzHandler(redis: Redis, role: string) {
  return (_req: IncomingMessage, res: ServerResponse): void => {
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('redis ping timed out')), PING_TIMEOUT_MS);
    });
    Promise.race([redis.ping(), timeout])
      .then(() => reply(res, 200, { status: 'ok', role, redis: 'up', redisLatencyMs: Date.now() - started }))
      // No error text: /healthz may be public, and Redis errors name hosts and ports. The Redis client logs them.
      .catch(() => reply(res, 503, { status: 'unavailable', role, redis: 'down' }))
      .finally(() => clearTimeout(timer));
  };
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}
