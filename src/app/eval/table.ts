import { assertNever } from '../../domain/assert-never.js';
import type { EvalResults, RequestOutcome, RequestResult, RoleSummary, StageRow } from './results.js';

/**
 * The eval's printed report: a table per request (a row per stage, the project manager, the total), then
 * the means per role over every request. Pure: results in, text out. A value the run did not produce
 * prints as "—".
 */

const DASH = '—';

interface Column<T> {
  header: string;
  align: 'left' | 'right';
  cell(row: T): string;
}

function render<T>(columns: readonly Column<T>[], rows: readonly T[], indent = '  '): string[] {
  const cells = rows.map((row) => columns.map((c) => c.cell(row)));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (values: readonly string[]) =>
    indent +
    values
      .map((v, i) => (columns[i]?.align === 'right' ? v.padStart(widths[i] ?? 0) : v.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...cells.map(line)];
}

export function percent(value: number | null): string {
  return value === null ? DASH : `${Math.round(value * 100)}%`;
}

export function usd(value: number): string {
  return `$${value.toFixed(value >= 100 ? 2 : 4)}`;
}

function int(value: number | null): string {
  return value === null ? DASH : value.toLocaleString('en-US');
}

function parsed(checked: number | null, ok: number | null): string {
  return checked === null || ok === null ? DASH : `${ok}/${checked}`;
}

/** One line of a request's table: a stage, the project manager's calls, or the total. */
interface TableRow {
  role: string;
  stage: string;
  state: string;
  review: number | null;
  revision: number | null;
  files: number | null;
  checked: number | null;
  parsedOk: number | null;
  calls: number;
  tokens: number;
  costUsd: number;
}

const REQUEST_COLUMNS: readonly Column<TableRow>[] = [
  { header: 'role', align: 'left', cell: (r) => r.role },
  { header: 'stage', align: 'left', cell: (r) => r.stage },
  { header: 'state', align: 'left', cell: (r) => r.state },
  { header: 'after review', align: 'right', cell: (r) => percent(r.review) },
  { header: 'after revision', align: 'right', cell: (r) => percent(r.revision) },
  { header: 'files', align: 'right', cell: (r) => int(r.files) },
  { header: 'parse', align: 'right', cell: (r) => parsed(r.checked, r.parsedOk) },
  { header: 'calls', align: 'right', cell: (r) => int(r.calls) },
  { header: 'tokens', align: 'right', cell: (r) => int(r.tokens) },
  { header: 'cost', align: 'right', cell: (r) => usd(r.costUsd) },
];

function stageLine(s: StageRow): TableRow {
  return {
    role: s.role,
    stage: s.stageId,
    state: s.revised ? `${s.state}, revised` : s.state,
    review: s.coverageAfterReview,
    revision: s.coverageAfterRevision,
    files: s.files,
    checked: s.filesChecked,
    parsedOk: s.filesParsed,
    calls: s.calls,
    tokens: s.tokens,
    costUsd: s.costUsd,
  };
}

function outcomeLabel(outcome: RequestOutcome): string {
  switch (outcome) {
    case 'finished':
      return 'finished';
    case 'ended':
      return 'ENDED';
    case 'timed_out':
      return 'TIMED OUT';
    case 'error':
      return 'ERROR';
    default:
      return assertNever(outcome);
  }
}

/** "churn · tabular classification · finished (completed) in 12.3 s · 1 go, 2 approved". */
export function requestHeadline(r: RequestResult): string {
  const seconds = (r.durationMs / 1000).toFixed(1);
  return `${r.name} · ${r.kind} · ${outcomeLabel(r.outcome)}${r.phase ? ` (${r.phase})` : ''} in ${seconds} s · ${r.goAnswers} go, ${r.approvals} approved`;
}

export function requestTable(r: RequestResult): string[] {
  const lines = [requestHeadline(r)];
  if (r.problem) lines.push(`  ${r.problem}`);
  const pm: TableRow = {
    role: 'project-manager',
    stage: 'clarify, plan, summary',
    state: '',
    review: null,
    revision: null,
    files: null,
    checked: null,
    parsedOk: null,
    ...r.projectManager,
  };
  const total: TableRow = {
    role: 'total',
    stage: `${r.stages.length} stages`,
    state: '',
    review: r.totals.meanCoverageAfterReview,
    revision: r.totals.meanCoverageAfterRevision,
    files: r.totals.files,
    checked: r.totals.filesChecked,
    parsedOk: r.totals.filesParsed,
    calls: r.totals.calls,
    tokens: r.totals.tokens,
    costUsd: r.totals.costUsd,
  };
  return [...lines, ...render(REQUEST_COLUMNS, [...r.stages.map(stageLine), pm, total])];
}

const ROLE_COLUMNS: readonly Column<RoleSummary>[] = [
  { header: 'role', align: 'left', cell: (r) => r.role },
  { header: 'stages', align: 'right', cell: (r) => int(r.stages) },
  { header: 'reviewed', align: 'right', cell: (r) => int(r.reviewed) },
  { header: 'mean after review', align: 'right', cell: (r) => percent(r.meanCoverageAfterReview) },
  { header: 'mean after revision', align: 'right', cell: (r) => percent(r.meanCoverageAfterRevision) },
  { header: 'files', align: 'right', cell: (r) => int(r.files) },
  { header: 'parse', align: 'right', cell: (r) => parsed(r.filesChecked, r.filesParsed) },
  { header: 'tokens', align: 'right', cell: (r) => int(r.tokens) },
  { header: 'cost', align: 'right', cell: (r) => usd(r.costUsd) },
];

/** The whole printed report, ending with a newline. */
export function evalReport(results: EvalResults, outPath?: string): string {
  const t = results.totals;
  const model = results.model.offline ? 'offline model (structure check only)' : results.model.name;
  const lines = [
    `Pipewright quality eval · ${model} · ${results.requests.length} requests`,
    '',
    ...results.requests.flatMap((r) => [...requestTable(r), '']),
    'Per role, over every request',
    ...render(ROLE_COLUMNS, results.roles),
    '',
    `${t.finished} of ${t.requests} requests finished · coverage after review ${percent(t.meanCoverageAfterReview)}, after revision ${percent(t.meanCoverageAfterRevision)} · files ${int(t.files)} (${parsed(t.filesChecked, t.filesParsed)} YAML/JSON parse) · ${int(t.calls)} calls · ${int(t.tokens)} tokens · ${usd(t.costUsd)}`,
  ];
  if (outPath) lines.push(`Results: ${outPath}`);
  return `${lines.join('\n')}\n`;
}
