import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { type ChannelPace, ChannelPacer } from '../../src/memory/channel-pacer.js';
import { keySpace } from '../../src/memory/keys.js';

/** A minute between posts, so the few ms a test takes cannot blur which slot a post got. */
const MINUTE: ChannelPace = { intervalMs: 60_000, burst: 3 };

describe('ChannelPacer (per-channel post slots shared through Redis)', () => {
  const connections: Redis[] = [];
  const keys = keySpace(`p${randomUUID().slice(0, 8)}`);
  /** A pacer on its own connection, standing in for one bot replica. */
  const pacer = (pace: ChannelPace = MINUTE) => {
    const redis = new Redis(inject('redisUrl'));
    connections.push(redis);
    return new ChannelPacer(redis, keys, pace);
  };
  afterEach(async () => {
    await Promise.all(connections.splice(0).map((c) => c.quit()));
  });

  it('lets a burst through at once, then spaces posts one interval apart', async () => {
    const p = pacer();
    const channel = `C${randomUUID().slice(0, 6)}`;
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) waits.push(await p.reserve(channel));
    expect(waits.slice(0, 3)).toEqual([0, 0, 0]);
    expect(waits[3]).toBeGreaterThan(59_000);
    expect(waits[3]).toBeLessThanOrEqual(60_000);
    expect((waits[4] ?? 0) - (waits[3] ?? 0)).toBeGreaterThan(59_000);
    expect((waits[4] ?? 0) - (waits[3] ?? 0)).toBeLessThanOrEqual(60_000);
  });

  it('shares one schedule between replicas, and keeps channels apart', async () => {
    const [a, b] = [pacer(), pacer()];
    const channel = `C${randomUUID().slice(0, 6)}`;
    await a.reserve(channel);
    await b.reserve(channel);
    await a.reserve(channel);
    expect(await b.reserve(channel)).toBeGreaterThan(59_000); // the fourth post, whoever sends it
    expect(await b.reserve(`C${randomUUID().slice(0, 6)}`)).toBe(0);
  });

  it('keeps its key only while a slot is reserved ahead, and writes nothing when pacing is off', async () => {
    const inspect = new Redis(inject('redisUrl'));
    connections.push(inspect);
    const channel = `C${randomUUID().slice(0, 6)}`;
    await pacer().reserve(channel);
    const ttl = await inspect.pttl(keys.channelPace(channel));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(61_000);

    const off = `C${randomUUID().slice(0, 6)}`;
    expect(await pacer({ intervalMs: 0, burst: 3 }).reserve(off)).toBe(0);
    expect(await inspect.exists(keys.channelPace(off))).toBe(0);
  });
});
