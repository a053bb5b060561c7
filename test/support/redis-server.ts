/** The tests start their Redis the way the playground does: one implementation (src/app/local-redis.ts). */
export { findFreePort, type RunningRedis, startRedisServer } from '../../src/app/local-redis.js';
