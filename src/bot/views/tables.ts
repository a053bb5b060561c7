import type { types } from '@slack/bolt';
import { formatUsd } from '../../domain/spending.js';
import type { StageLine, StatusView, View } from '../../domain/views.js';
import { section } from './blocks.js';
import type { RenderedMessage } from './message.js';
import { PHASE_LABEL, progressText, renderStatus } from './run.js';
import { renderSummary } from './summary.js';
import { truncate } from './text.js';

type KnownBlock = types.KnownBlock;

/**
 * Status and summary with their stages as one Slack table block (stage, state, tokens, cost). Slack allows
 * one table a message, in messages only (not modals or the Home tab), at most 100 rows of at most 20 cells.
 * Each message carries its text rendering as `withoutTables`: the outbox sends that if Slack refuses the
 * table (an older workspace or client), and a run too long for one table renders as text from the start.
 */
export const TABLE_LIMITS = { rows: 100, cells: 20, cellText: 2_000 } as const;

type Cell = { type: 'raw_text'; text: string };

/** Raw text is shown as written; angle brackets are kept out all the same, as in headers, so nothing can ping. */
const cell = (text: string): Cell => ({
  type: 'raw_text',
  text: truncate(text.replace(/</g, '‹').replace(/>/g, '›'), 200) || '-',
});

const STATE_WORD: Record<StageLine['state'], string> = {
  pending: '⚪ pending',
  awaiting_approval: '🔒 awaiting approval',
  queued: '⏳ queued',
  running: '🔄 running',
  done: '✅ done',
  failed: '❌ failed',
  rejected: '⛔ rejected',
  cancelled: '✖️ cancelled',
  skipped: '⏩ skipped',
};

/** A table block with a header row; Slack's limits are checked by the caller (`fitsOneTable`). */
export function tableBlock(header: string[], rows: string[][], align: Array<'left' | 'right'>): KnownBlock {
  return {
    type: 'table',
    column_settings: align.map((a, i) => ({
      align: a,
      ...(i === align.length - 1 ? { is_wrapped: true } : {}),
    })),
    rows: [header, ...rows].map((row) => row.map(cell)),
  };
}

export function fitsOneTable(rows: number): boolean {
  return rows + 1 <= TABLE_LIMITS.rows;
}

function stageRows(stages: StageLine[], withNote: boolean): string[][] {
  return stages.map((st) => [
    `${st.id}${st.needsApproval ? ' 🔒' : ''}`,
    `${STATE_WORD[st.state]}${st.progress ? ` · ${progressText(st.progress)}` : ''}`,
    st.tokens ? st.tokens.toLocaleString('en-US') : '-',
    st.spentUsd ? formatUsd(st.spentUsd) : '-',
    ...(withNote ? [(st.error ?? st.summary ?? '').replace(/\s+/g, ' ')] : []),
  ]);
}

export function renderStatusTable(view: StatusView): RenderedMessage {
  const text = renderStatus(view);
  if (!fitsOneTable(view.stages.length)) return text;
  const [heading] = text.blocks;
  const footer = text.blocks.at(-1);
  const blocks: KnownBlock[] = [
    heading ?? section(`*Status: ${PHASE_LABEL[view.phase]}*`),
    tableBlock(['Stage', 'State', 'Tokens', 'Cost', 'Note'], stageRows(view.stages, true), [
      'left',
      'left',
      'right',
      'right',
      'left',
    ]),
    ...(footer && footer !== heading ? [footer] : []),
  ];
  return { text: text.text, blocks, withoutTables: text };
}

export function renderSummaryTable(view: Extract<View, { type: 'summary' }>): RenderedMessage {
  const text = renderSummary(view);
  const stages = view.stages;
  if (!stages || stages.length === 0 || !fitsOneTable(stages.length + 2)) return text;
  // The same summary without its cost list: the table says what each stage cost, and the rest below it.
  const body = renderSummary({ ...view, spentOn: [] });
  const rows = stageRows(stages, false);
  const stageUsd = stages.reduce((sum, st) => sum + (st.spentUsd ?? 0), 0);
  const managerUsd = Math.max(0, view.usage.costUsd - stageUsd);
  if (managerUsd > 0.000_001)
    rows.push(['project manager', 'questions, plan, summary', '-', formatUsd(managerUsd)]);
  const budget = view.budgetUsd === undefined ? '' : ` of ${formatUsd(view.budgetUsd)}`;
  rows.push([
    'total',
    '',
    (
      view.usage.inputTokens +
      view.usage.outputTokens +
      view.usage.cacheReadTokens +
      view.usage.cacheWriteTokens
    ).toLocaleString('en-US'),
    `${formatUsd(view.usage.costUsd)}${budget}`,
  ]);
  const footer = body.blocks.at(-1);
  const blocks: KnownBlock[] = [
    ...body.blocks.slice(0, -1),
    section('*Stages and cost*'),
    tableBlock(['Stage', 'State', 'Tokens', 'Cost'], rows, ['left', 'left', 'right', 'right']),
    ...(footer ? [footer] : []),
  ];
  return { text: text.text, blocks, withoutTables: text };
}

/** Whether this deployment uses table blocks (SLACK_TABLE_BLOCKS, on unless turned off). */
export function tablesOn(settings: { tableBlocks?: boolean }): boolean {
  return settings.tableBlocks !== false;
}
