import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { AuditEntry } from '../../src/domain/audit.js';
import { AuditLog } from '../../src/memory/audit-log.js';
import { keySpace } from '../../src/memory/keys.js';

describe('AuditLog (a stream per project)', () => {
  const redis = new Redis(inject('redisUrl'));
  const keys = keySpace(`a${randomUUID().slice(0, 8)}`);
  afterAll(() => redis.quit());
  const entry = (n: number, extra: Partial<AuditEntry> = {}): AuditEntry => ({
    at: 1_700_000_000_000 + n,
    by: `U${n}`,
    action: 'retry',
    stageId: 'phase1.data-engineer',
    channelId: 'C1',
    messageTs: `1700000000.${n}`,
    eventId: `Ev${n}`,
    ...extra,
  });

  it('writes an entry once, however often the same effect is carried out', async () => {
    const log = new AuditLog(redis, keys);
    const project = `P${randomUUID().slice(0, 6)}`;
    expect(await log.append(project, 'audit.Ev1.reject', entry(1, { action: 'reject', reason: 'no' }))).toBe(
      true,
    );
    expect(await log.append(project, 'audit.Ev1.reject', entry(1, { action: 'reject', reason: 'no' }))).toBe(
      false,
    );
    await log.append(project, 'audit.Ev2.cancel', entry(2, { action: 'cancel' }));
    expect((await log.all(project)).map((e) => [e.action, e.by, e.reason])).toEqual([
      ['reject', 'U1', 'no'],
      ['cancel', 'U2', undefined],
    ]);
    expect(await log.latest(project, 1)).toMatchObject({ total: 2, entries: [{ action: 'cancel' }] });
  });

  it('stays bounded: old entries are trimmed, the newest kept, and a trimmed key may not come back', async () => {
    const cap = 100;
    const log = new AuditLog(redis, keys, undefined, cap);
    const project = `P${randomUUID().slice(0, 6)}`;
    for (let n = 1; n <= 400; n++) await log.append(project, `audit.Ev${n}.retry`, entry(n));
    const length = await redis.xlen(keys.projectAudit(project));
    // MAXLEN ~ trims whole stream nodes (100 entries each by default): at least `cap`, less than a node over.
    expect(length).toBeGreaterThanOrEqual(cap);
    expect(length).toBeLessThan(cap + 100);
    expect(await redis.zcard(keys.projectAuditKeys(project))).toBe(cap);
    const { entries, total } = await log.latest(project, 3);
    expect(total).toBe(length);
    expect(entries.map((e) => e.eventId)).toEqual(['Ev398', 'Ev399', 'Ev400']);
    expect(await log.append(project, 'audit.Ev400.retry', entry(400))).toBe(false);
  });

  it("takes its project's TTL once the project is finished, and keeps none while it is active", async () => {
    const log = new AuditLog(redis, keys, { finishedTtlMs: 60_000 });
    const active = `P${randomUUID().slice(0, 6)}`;
    await redis.set(keys.project(active), '{}');
    await log.append(active, 'audit.Ev1.go', entry(1, { action: 'go' }));
    expect(await redis.pttl(keys.projectAudit(active))).toBe(-1);

    const finished = `P${randomUUID().slice(0, 6)}`;
    await redis.set(keys.project(finished), '{}', 'PX', 30_000);
    await log.append(finished, 'audit.Ev1.go', entry(1, { action: 'go' }));
    for (const key of [keys.projectAudit(finished), keys.projectAuditKeys(finished)]) {
      const ttl = await redis.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(30_000);
    }
  });
});
