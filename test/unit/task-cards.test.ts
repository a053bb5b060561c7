import { describe, expect, it } from 'vitest';
import {
  changedChunks,
  chunkBytes,
  fitsInStream,
  formatElapsed,
  openingChunks,
  STREAM_BYTE_BUDGET,
  stageDetails,
  taskCardSnapshot,
  taskOf,
} from '../../src/bot/views/task-cards.js';
import type { StageLine, StatusView } from '../../src/domain/views.js';

const line = (over: Partial<StageLine> = {}): StageLine => ({
  id: 'phase1.data-engineer',
  role: 'data-engineer',
  phase: 1,
  state: 'pending',
  needsApproval: false,
  ...over,
});

const view = (stages: StageLine[], phase: StatusView['phase'] = 'running'): StatusView => ({
  type: 'status',
  phase,
  stages,
  usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0, calls: 0 },
});

describe('task cards of the live status', () => {
  it('gives each stage a task with its state, elapsed time and one-line output', () => {
    const t0 = Date.UTC(2026, 0, 5, 9, 41, 7);
    expect(
      taskOf(line({ state: 'done', startedAt: t0, finishedAt: t0 + 65_000, summary: 'Schema\nchecked' })),
    ).toEqual({
      type: 'task_update',
      id: 'phase1.data-engineer',
      title: 'phase1.data-engineer',
      status: 'complete',
      details: 'done in 1m 05s',
      output: 'Schema checked',
    });
    const review = { met: 8, partial: 1, missing: 1, coverage: 0.85, revised: true, owed: ['de.cost'] };
    expect(
      taskOf(line({ state: 'done', startedAt: t0, finishedAt: t0 + 65_000, review, files: 3 })).details,
    ).toBe('done in 1m 05s · checklist 9/10 (1 partial) · revised after review · 3 files');
    expect(taskOf(line({ state: 'running', startedAt: t0 })).details).toBe('running since 09:41:07 UTC');
    expect(taskOf(line({ state: 'running', startedAt: t0 })).status).toBe('in_progress');
    expect(taskOf(line({ state: 'awaiting_approval', needsApproval: true }))).toMatchObject({
      status: 'pending',
      details: 'awaiting approval',
      title: 'phase1.data-engineer (needs approval)',
    });
    const failed = taskOf(line({ state: 'failed', summary: 'half done', error: 'x'.repeat(400) }));
    expect(failed.status).toBe('error');
    expect(failed.output).toHaveLength(256); // the error wins, clipped to Slack's limit
    expect(taskOf(line({ state: 'rejected' })).status).toBe('error');
    expect(taskOf(line({ state: 'skipped' })).status).toBe('complete');
    expect(stageDetails(line({ state: 'queued' }))).toBe('queued');
    expect(taskOf(line({ id: 'phase1.check-01' })).title).toBe('phase1.check-01 · data-engineer');
  });

  it('formats elapsed time in seconds, minutes and hours', () => {
    expect(formatElapsed(42_400)).toBe('42s');
    expect(formatElapsed(185_000)).toBe('3m 05s');
    expect(formatElapsed(3_720_000)).toBe('1h 02m');
  });

  it('sends only what changed: a new plan title and the tasks that moved', () => {
    const before = taskCardSnapshot(view([line(), line({ id: 'phase2.ml-engineer', role: 'ml-engineer' })]));
    const after = taskCardSnapshot(
      view([
        line({ state: 'running', startedAt: 0 }),
        line({ id: 'phase2.ml-engineer', role: 'ml-engineer' }),
      ]),
    );
    expect(changedChunks(before, after)).toEqual([after.tasks[0]]);
    const done = taskCardSnapshot(
      view(
        after.tasks.map(() => line()),
        'completed',
      ),
    );
    expect(changedChunks(after, done)[0]).toEqual({ type: 'plan_update', title: 'Status: completed' });
    expect(changedChunks(undefined, after)).toHaveLength(3); // no stream yet: the whole plan
    expect(changedChunks(after, after)).toEqual([]);
  });

  it('opens a new stream message within half the budget however long the plan, and counts bytes as Slack does', () => {
    const stages = Array.from({ length: 40 }, (_, i) =>
      line({
        id: `phase1.stage-${i}-${'n'.repeat(50)}`,
        state: 'done',
        startedAt: 0,
        finishedAt: 1000,
        summary: 'é'.repeat(300),
      }),
    );
    const opening = openingChunks(taskCardSnapshot(view(stages)));
    expect(chunkBytes(opening)).toBeLessThanOrEqual(STREAM_BYTE_BUDGET / 2);
    expect(opening.filter((c) => c.type === 'task_update')).toHaveLength(40);
    // A small plan goes out whole.
    const small = taskCardSnapshot(view(stages.slice(0, 2)));
    expect(openingChunks(small)).toEqual([{ type: 'plan_update', title: small.title }, ...small.tasks]);
    expect(chunkBytes([{ type: 'plan_update', title: 'é' }])).toBe(2);
    expect(fitsInStream(STREAM_BYTE_BUDGET - 2, [{ type: 'plan_update', title: 'éa' }])).toBe(false);
    expect(fitsInStream(STREAM_BYTE_BUDGET - 3, [{ type: 'plan_update', title: 'éa' }])).toBe(true);
  });
});
