import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { keySpace } from '../../src/memory/keys.js';
import { STAGE_PROGRESS_TTL_MS, StageProgressStore } from '../../src/memory/stage-progress.js';

describe('StageProgressStore (how far running stages are, in Redis)', () => {
  const redis = new Redis(inject('redisUrl'));
  const keys = keySpace(`g${randomUUID().slice(0, 8)}`);
  afterAll(() => redis.quit());

  it('writes at most once an interval per stage attempt, a new step at once, with a TTL; reads what is there', async () => {
    let now = 1_000;
    const store = new StageProgressStore(redis, keys, { intervalMs: 2_000, now: () => now });
    const read = async () => (await store.read('P1', ['s1', 's2'])).get('s1');

    await store.report('P1', 's1', 1, { step: 'writing', outputTokens: 250, maxTokens: 32_000 });
    expect(await read()).toEqual({
      attempt: 1,
      step: 'writing',
      outputTokens: 250,
      maxTokens: 32_000,
      updatedAt: 1_000,
    });
    const ttl = await redis.pttl(keys.stageProgress('P1', 's1'));
    expect(ttl).toBeGreaterThan(STAGE_PROGRESS_TTL_MS - 60_000);

    now = 2_500;
    await store.report('P1', 's1', 1, { step: 'writing', outputTokens: 900, maxTokens: 32_000 });
    expect((await read())?.outputTokens).toBe(250);

    now = 2_600;
    await store.report('P1', 's1', 1, { step: 'reviewing', outputTokens: 0, maxTokens: 8_000 });
    expect(await read()).toMatchObject({ step: 'reviewing', outputTokens: 0, maxTokens: 8_000 });

    now = 4_600;
    await store.report('P1', 's1', 1, { step: 'reviewing', outputTokens: 700, maxTokens: 8_000 });
    expect((await read())?.outputTokens).toBe(700);
    expect((await store.read('P1', ['s2'])).size).toBe(0);
  });

  it('clears a stage attempt’s record after its last write', async () => {
    const store = new StageProgressStore(redis, keys, { intervalMs: 0 });
    const pending = store.report('P2', 's1', 3, { step: 'writing', outputTokens: 10, maxTokens: 100 });
    await store.clear('P2', 's1', 3);
    await pending;
    expect(await redis.exists(keys.stageProgress('P2', 's1'))).toBe(0);
  });

  it('never rejects: a failed write is told to onError', async () => {
    const broken = new Redis(inject('redisUrl'), { lazyConnect: true, enableOfflineQueue: false });
    const errors: unknown[] = [];
    const store = new StageProgressStore(broken, keys, { onError: (e) => errors.push(e) });
    await store.report('P3', 's1', 1, { step: 'writing', outputTokens: 10, maxTokens: 100 });
    await store.clear('P3', 's1', 1);
    expect(errors).toHaveLength(2);
    broken.disconnect();
  });
});
