import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { runScript } from '../../src/memory/lua.js';

let redis: Redis | undefined;
afterEach(async () => {
  await redis?.quit();
  redis = undefined;
});

describe('cached Lua scripts', () => {
  it('runs a script by its SHA, and again after the server forgot its scripts', async () => {
    redis = new Redis(inject('redisUrl'));
    const script = "return redis.call('incrby', KEYS[1], ARGV[1])";
    const key = `lua-test:${Math.random()}`;
    expect(await runScript(redis, script, 1, key, 2)).toBe(2);
    await redis.script('FLUSH');
    expect(await runScript(redis, script, 1, key, 3)).toBe(5);
    expect(await runScript(redis, script, 1, key, 4)).toBe(9);
    await redis.del(key);
  });
});
