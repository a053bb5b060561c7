import { webApi } from '@slack/bolt';
import { pino } from 'pino';
import { Counter, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { sendWithFallback } from '../../src/bot/outbox/slack-errors.js';
import type { RenderedMessage } from '../../src/bot/views/message.js';
import { renderView } from '../../src/bot/views/render.js';
import { ZERO_USAGE } from '../../src/domain/usage.js';
import type { View } from '../../src/domain/views.js';
import type { Metrics } from '../../src/ops/metrics.js';
import { blockKitErrors, viewErrors } from '../../src/playground/slack-api/block-kit-limits.js';
import { summaryAnswer } from '../support/summaries.js';

const stages = [
  {
    id: 'phase1.data-engineer',
    role: 'data-engineer',
    phase: 1,
    state: 'done' as const,
    needsApproval: false,
    tokens: 12_345,
    spentUsd: 0.31,
    summary: 'ingestion designed',
  },
  {
    id: 'phase3.mlops-engineer',
    role: 'mlops-engineer',
    phase: 3,
    state: 'awaiting_approval' as const,
    needsApproval: true,
  },
];
const status: View = {
  type: 'status',
  phase: 'running',
  stages,
  usage: { ...ZERO_USAGE, costUsd: 0.5 },
  reply: true,
};
const summary: View = {
  type: 'summary',
  summary: summaryAnswer({ headline: 'Churn model served' }),
  usage: { ...ZERO_USAGE, inputTokens: 20_000, outputTokens: 5_000, costUsd: 0.5 },
  spentOn: [{ label: 'phase1.data-engineer', usd: 0.31 }],
  budgetUsd: 10,
  stageCount: 2,
  stages,
  degradedStages: [],
  failedStages: [],
};

type Table = { type: 'table'; rows: Array<Array<{ text: string }>> };
const tableOf = (m: RenderedMessage) => m.blocks.find((b) => b.type === 'table') as Table | undefined;
const cells = (t: Table | undefined) => t?.rows.map((r) => r.map((c) => c.text));

describe('status and summary as tables', () => {
  it('status: one row per stage with its state, tokens and cost, and Slack accepts it', () => {
    const m = renderView(status);
    expect(cells(tableOf(m))).toEqual([
      ['Stage', 'State', 'Tokens', 'Cost', 'Note'],
      ['phase1.data-engineer', '✅ done', '12,345', '$0.31', 'ingestion designed'],
      ['phase3.mlops-engineer 🔒', '🔒 awaiting approval', '-', '-', '-'],
    ]);
    expect(blockKitErrors(m.blocks)).toEqual([]);
    // Its text rendering rides along for the fallback; the notification text is the same.
    expect(m.withoutTables && tableOf(m.withoutTables)).toBeUndefined();
    expect(m.withoutTables?.text).toBe(m.text);
    expect(m.text).toContain('phase3.mlops-engineer: awaiting approval');
  });

  it('summary: the cost per stage, the project manager and the total against the budget', () => {
    const m = renderView(summary);
    expect(cells(tableOf(m))?.slice(1)).toEqual([
      ['phase1.data-engineer', '✅ done', '12,345', '$0.31'],
      ['phase3.mlops-engineer 🔒', '🔒 awaiting approval', '-', '-'],
      ['project manager', 'questions, plan, summary', '-', '$0.19'],
      ['total', '-', '25,000', '$0.50 of $10.00'],
    ]);
    expect(blockKitErrors(m.blocks)).toEqual([]);
    expect(JSON.stringify(m.blocks)).not.toContain('*Cost'); // the table replaces the cost list
    expect(JSON.stringify(m.withoutTables?.blocks)).toContain('*Cost (budget $10.00)*');
  });

  it('keeps the text rendering when tables are turned off, or the run is too long for one table', () => {
    expect(tableOf(renderView(status, { offlineModel: false, tableBlocks: false }))).toBeUndefined();
    // The live status message, edited as the run goes, stays text; only the answer to `status` is a table.
    const { reply: _reply, ...live } = status as Extract<View, { type: 'status' }>;
    expect(tableOf(renderView(live))).toBeUndefined();
    const many = Array.from({ length: 100 }, (_, i) => ({ ...stages[1], id: `phase1.s${i}` }));
    // (a plan has at most 40 stages; the limit still holds if that ever changes)
    const long = renderView({ ...status, stages: many } as View);
    expect(tableOf(long)).toBeUndefined();
  });

  it('offline: the mark is on both renderings', () => {
    const m = renderView(status, { offlineModel: true });
    expect(JSON.stringify(m.blocks)).toContain('Offline model');
    expect(JSON.stringify(m.withoutTables?.blocks)).toContain('Offline model');
  });
});

describe('when Slack refuses the table', () => {
  const metrics = {
    slackApiErrors: new Counter({ name: 'e', help: 'e', labelNames: ['error'], registers: [new Registry()] }),
  } as unknown as Metrics;
  const log = pino({ level: 'silent' });
  const invalidBlocks = () =>
    Object.assign(new Error('An API error occurred: invalid_blocks'), {
      code: webApi.ErrorCode.PlatformError,
      data: { ok: false, error: 'invalid_blocks' },
    });

  it('sends the same message with its stages as text, then plain text if that is refused too', async () => {
    const m = renderView(status);
    const sent: string[] = [];
    const refusesTables = async (msg: RenderedMessage | { text: string }) => {
      const blocks = 'blocks' in msg ? msg.blocks : [];
      sent.push(
        blocks.some((b) => b.type === 'table') ? 'table' : blocks.length > 0 ? 'text blocks' : 'plain',
      );
      if (blocks.some((b) => b.type === 'table')) throw invalidBlocks();
      return { ok: true };
    };
    await sendWithFallback(log, metrics, m, refusesTables);
    expect(sent).toEqual(['table', 'text blocks']);

    sent.length = 0;
    await sendWithFallback(log, metrics, m, async (msg) => {
      await refusesTables(msg);
      if ('blocks' in msg && msg.blocks.length > 0) throw invalidBlocks();
      return { ok: true };
    });
    expect(sent).toEqual(['table', 'text blocks', 'plain']);
  });
});

describe("the Slack stand-in knows the table block's limits", () => {
  const table = (rows: number, cellsPerRow = 2) => ({
    type: 'table',
    rows: Array.from({ length: rows }, () =>
      Array.from({ length: cellsPerRow }, () => ({ type: 'raw_text', text: 'x' })),
    ),
  });
  it('refuses more than 100 rows, more than 20 cells a row, empty cells, and a second table', () => {
    expect(blockKitErrors([table(100, 20)])).toEqual([]);
    expect(blockKitErrors([table(101)]).join()).toMatch(
      /no more than 100 items allowed, got 101 .*\/blocks\/0\/rows/,
    );
    expect(blockKitErrors([table(1, 21)]).join()).toMatch(
      /no more than 20 items allowed, got 21 .*\/blocks\/0\/rows\/0/,
    );
    expect(blockKitErrors([{ type: 'table', rows: [[{ type: 'raw_text', text: '' }]] }]).join()).toMatch(
      /more than 0 characters/,
    );
    expect(blockKitErrors([{ type: 'table', rows: [[{ type: 'mrkdwn', text: '*x*' }]] }]).join()).toMatch(
      /table cell type/,
    );
    expect(blockKitErrors([table(2), table(2)])).toEqual([
      'only one table block is allowed per message [json-pointer:/blocks/1]',
    ]);
  });
  it('refuses a table in a view', () => {
    expect(viewErrors({ type: 'home', blocks: [table(2)] }, 'home')).toEqual([
      'table blocks are only allowed in messages [json-pointer:/view/blocks/0]',
    ]);
  });
});
