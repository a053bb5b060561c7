/** The tests start their Redis the way the playground does: one implementation (src/app/local-redis.ts). */
export {
  findFreePort,
  RedisNotFoundError,
  type RunningRedis,
  startRedisServer,
} from '../../src/app/local-redis.js';
