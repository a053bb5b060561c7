import { describe, expect, it } from 'vitest';
import { renderView } from '../../src/bot/views/render.js';
import { progressText } from '../../src/bot/views/run.js';
import { taskOf } from '../../src/bot/views/task-cards.js';
import type { StageLine, StatusView } from '../../src/domain/views.js';

const writing: StageLine = {
  id: 'phase1.data-engineer',
  role: 'data-engineer',
  phase: 1,
  state: 'running',
  needsApproval: false,
  startedAt: Date.UTC(2026, 0, 1, 9, 41, 7),
  progress: { step: 'writing', outputTokens: 12_400, maxTokens: 32_000 },
};

function status(stages: StageLine[], reply = false): StatusView {
  return {
    type: 'status',
    phase: 'running',
    stages,
    usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, calls: 0, costUsd: 0 },
    ...(reply ? { reply: true } : {}),
  };
}

const blocksText = (blocks: unknown) => JSON.stringify(blocks);

describe('a running stage’s progress, as shown', () => {
  it('reads as the step and the tokens written against the limit; the step alone before any text', () => {
    expect(progressText({ step: 'writing', outputTokens: 12_400, maxTokens: 32_000 })).toBe(
      'writing · ~12,400 / 32,000 tokens',
    );
    expect(progressText({ step: 'revising', outputTokens: 40_000, maxTokens: 32_000 })).toBe(
      'revising · ~32,000 / 32,000 tokens',
    );
    expect(progressText({ step: 'reviewing', outputTokens: 0, maxTokens: 8_000 })).toBe('reviewing');
  });

  it('is on the stage’s line of the live status and its fallback text', () => {
    const m = renderView(status([writing]), { offlineModel: false, tableBlocks: false });
    expect(blocksText(m.blocks)).toContain('`phase1.data-engineer` · writing · ~12,400 / 32,000 tokens');
    expect(m.text).toContain('phase1.data-engineer: running (writing · ~12,400 / 32,000 tokens)');
  });

  it('is in the state cell of the `status` reply’s table', () => {
    const m = renderView(status([writing], true), { offlineModel: false, tableBlocks: true });
    expect(blocksText(m.blocks)).toContain('🔄 running · writing · ~12,400 / 32,000 tokens');
  });

  it('is in the details of the stage’s task card', () => {
    expect(taskOf(writing).details).toBe('running since 09:41:07 UTC · writing · ~12,400 / 32,000 tokens');
    const { progress: _none, ...plain } = writing;
    expect(taskOf(plain).details).toBe('running since 09:41:07 UTC');
  });
});
