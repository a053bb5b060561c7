import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { BudgetExceededError } from '../../src/domain/errors.js';
import { keySpace } from '../../src/memory/keys.js';
import { SpendLedger } from '../../src/memory/spend-ledger.js';

describe('SpendLedger (budgets shared through Redis)', () => {
  const connections: Redis[] = [];
  const keys = keySpace(`s${randomUUID().slice(0, 8)}`);
  /** A ledger on its own connection, standing in for one worker process. */
  const ledger = (workspaceDailyUsd = 100) => {
    const redis = new Redis(inject('redisUrl'));
    connections.push(redis);
    return new SpendLedger(redis, keys, workspaceDailyUsd);
  };
  afterEach(async () => {
    await Promise.all(connections.splice(0).map((c) => c.quit()));
  });

  it('reserves what a call may cost, refuses the one that could pass the project budget, and settles to the real cost', async () => {
    const l = ledger();
    const project = `P${randomUUID().slice(0, 6)}`;
    const first = await l.reserve(project, 'T1', 1, 0.6);
    await expect(l.reserve(project, 'T1', 1, 0.6)).rejects.toMatchObject({
      code: 'budget_exceeded',
      scope: 'project',
      spentUsd: 0.6,
      limitUsd: 1,
    });
    // The first call cost less than it could have: what is left is free again.
    await l.settle(first, 0.1);
    expect(await l.projectSpent(project)).toBeCloseTo(0.1, 6);
    await l.reserve(project, 'T1', 1, 0.6);
    expect(await l.projectSpent(project)).toBeCloseTo(0.7, 6);
  });

  it('never lets calls running side by side, on several workers, pass a budget together', async () => {
    const project = `P${randomUUID().slice(0, 6)}`;
    const workers = [ledger(), ledger(), ledger(), ledger()];
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => workers[i % 4]?.reserve(project, 'T1', 1, 0.15)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(6);
    for (const r of results.filter((r) => r.status === 'rejected'))
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(BudgetExceededError);
    expect(await workers[0]?.projectSpent(project)).toBeCloseTo(0.9, 6);
  });

  it("counts a workspace's day across its projects, and a Raise budget lifts it once however often it is replayed", async () => {
    const team = `T${randomUUID().slice(0, 6)}`;
    const l = ledger(1);
    await l.reserve('PA', team, 100, 0.7);
    await expect(l.reserve('PB', team, 100, 0.7)).rejects.toMatchObject({ scope: 'workspace', limitUsd: 1 });
    await l.raiseWorkspace(team, 1, 'raise-1');
    await l.raiseWorkspace(team, 1, 'raise-1');
    await l.reserve('PB', team, 100, 0.7);
    await expect(l.reserve('PC', team, 100, 0.7)).rejects.toMatchObject({ scope: 'workspace', limitUsd: 2 });
  });
});
