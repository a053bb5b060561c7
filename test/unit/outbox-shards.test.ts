import { describe, expect, it } from 'vitest';
import { outboxShard } from '../../src/memory/queues.js';

describe('outbox shards', () => {
  it('always puts a project on the same shard, and spreads projects over all of them', () => {
    expect(outboxShard('T1-C1-1.1', 8)).toBe(outboxShard('T1-C1-1.1', 8));
    const used = new Set(
      Array.from({ length: 200 }, (_, i) => outboxShard(`T1-C1-${1700000000 + i}.000100`, 8)),
    );
    expect(used.size).toBe(8);
  });
});
