import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { z } from 'zod';
import { DeliverableStore } from '../../src/memory/deliverables.js';
import { keySpace } from '../../src/memory/keys.js';
import { StageWorkStore } from '../../src/memory/stage-work.js';

const step = z.object({ text: z.string() });

describe('StageWorkStore (a stage attempt’s steps, each written once)', () => {
  const redis = new Redis(inject('redisUrl'));
  const keys = keySpace(`w${randomUUID().slice(0, 8)}`);
  const store = new StageWorkStore(redis, keys);
  const at = { projectId: 'P1', stageId: 'phase1.data-engineer', attempt: 1 };
  afterAll(() => redis.quit());

  it('keeps the first answer to a step: a second writer gets the stored one back', async () => {
    expect(await store.get(at, 'review.1', step)).toBeUndefined();
    expect(await store.put(at, 'review.1', { text: 'first' }, step)).toEqual({ text: 'first' });
    expect(await store.put(at, 'review.1', { text: 'second' }, step)).toEqual({ text: 'first' });
    expect(await store.get(at, 'review.1', step)).toEqual({ text: 'first' });
    // Another attempt of the same stage starts afresh.
    expect(await store.get({ ...at, attempt: 2 }, 'review.1', step)).toBeUndefined();
  });

  it('expires within 30 days, and never shortens a TTL the project already gave it', async () => {
    const key = keys.stageWork(at.projectId, at.stageId, at.attempt);
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(29 * 24 * 3_600_000);
    await redis.pexpire(key, 60_000);
    await store.put(at, 'revision', { text: 'r' }, step);
    expect(await redis.pttl(key)).toBeLessThanOrEqual(60_000);
  });

  it('refuses a stored step that no longer fits its schema, naming the key', async () => {
    await redis.hset(keys.stageWork('P2', 's', 1), 'draft', '{"text": 5}');
    await expect(store.get({ projectId: 'P2', stageId: 's', attempt: 1 }, 'draft', step)).rejects.toThrow(
      /stage-work:s:1#draft/,
    );
  });

  it('goes with the deliverables when a project is forgotten', async () => {
    const deliverables = new DeliverableStore(redis, keys);
    await redis.set(keys.deliverable(at.projectId, at.stageId, 1), '{}');
    expect(await deliverables.remove(at.projectId, [{ stageId: at.stageId, attempt: 1 }])).toBe(1);
    expect(await redis.exists(keys.stageWork(at.projectId, at.stageId, 1))).toBe(0);
  });
});
