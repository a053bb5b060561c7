import type { Deliverable } from '../../domain/deliverable.js';
import type { Project } from '../../domain/project.js';
import { totalTokens, type Usage, ZERO_USAGE } from '../../domain/usage.js';
import type { RequestResult, RoleSummary, StageRow, Totals } from './results.js';

/**
 * From what a run stored to the eval's rows: pure, so the table and the JSON can be checked with
 * deliverables built by hand. A stage's numbers come from its accepted deliverable (the attempt the project
 * record points at); what the record itself carries (review tally, file count) fills in when it is absent.
 */

export function stageRows(project: Project, deliverables: ReadonlyMap<string, Deliverable>): StageRow[] {
  return (project.plan?.stages ?? []).map((stage) => {
    const run = project.stages[stage.id];
    const d = deliverables.get(stage.id);
    const usage: Usage = d?.usage ?? run?.usage ?? ZERO_USAGE;
    const files = d?.files;
    const checked = files?.filter((f) => f.parses !== undefined);
    return {
      stageId: stage.id,
      role: stage.role,
      state: run?.state ?? 'not_started',
      coverageAfterReview: d?.review?.first.coverage ?? null,
      coverageAfterRevision: d?.review?.final.coverage ?? run?.review?.coverage ?? null,
      revised: d?.review?.revised ?? run?.review?.revised ?? null,
      missing: d?.review?.final.missing ?? run?.review?.missing ?? null,
      files: files?.length ?? run?.files ?? null,
      filesChecked: checked?.length ?? null,
      filesParsed: checked ? checked.filter((f) => f.parses === true).length : null,
      fileProblems: d ? (d.fileProblems?.length ?? (files ? 0 : null)) : null,
      calls: usage.calls,
      inputTokens: usage.inputTokens,
      outputTokens: usage.outputTokens,
      tokens: totalTokens(usage),
      costUsd: usage.costUsd,
      model: d?.model ?? run?.model ?? null,
    };
  });
}

/** The project manager's share of a run (clarification, plan, summary): the run's usage minus its stages'. */
export function projectManagerUsage(
  project: Project,
  rows: readonly StageRow[],
): RequestResult['projectManager'] {
  const u = project.usage;
  const sum = (pick: (r: StageRow) => number) => rows.reduce((n, r) => n + pick(r), 0);
  return {
    calls: Math.max(0, u.calls - sum((r) => r.calls)),
    tokens: Math.max(0, totalTokens(u) - sum((r) => r.tokens)),
    costUsd: Math.max(0, roundUsd(u.costUsd - sum((r) => r.costUsd))),
  };
}

export function mean(values: ReadonlyArray<number | null>): number | null {
  const present = values.filter((v): v is number => v !== null);
  if (present.length === 0) return null;
  return Math.round((present.reduce((a, b) => a + b, 0) / present.length) * 1000) / 1000;
}

/** The sum of what was measured; null when nothing was (no stage carried a file list). */
export function sumOrNull(values: ReadonlyArray<number | null>): number | null {
  const present = values.filter((v): v is number => v !== null);
  return present.length === 0 ? null : present.reduce((a, b) => a + b, 0);
}

/** A request's totals: its stages' and the project manager's usage, its files, its mean coverage. */
export function requestTotals(rows: readonly StageRow[], pm: RequestResult['projectManager']): Totals {
  const sum = (pick: (r: StageRow) => number | null) => rows.reduce((n, r) => n + (pick(r) ?? 0), 0);
  return {
    calls: sum((r) => r.calls) + pm.calls,
    tokens: sum((r) => r.tokens) + pm.tokens,
    costUsd: roundUsd(sum((r) => r.costUsd) + pm.costUsd),
    files: sumOrNull(rows.map((r) => r.files)),
    filesChecked: sumOrNull(rows.map((r) => r.filesChecked)),
    filesParsed: sumOrNull(rows.map((r) => r.filesParsed)),
    meanCoverageAfterReview: mean(rows.map((r) => r.coverageAfterReview)),
    meanCoverageAfterRevision: mean(rows.map((r) => r.coverageAfterRevision)),
  };
}

/** Per role over every request: how many stages it ran, how many were reviewed, mean coverage, files, cost. */
export function roleSummaries(requests: readonly RequestResult[]): RoleSummary[] {
  const byRole = new Map<string, StageRow[]>();
  for (const row of requests.flatMap((r) => r.stages)) {
    byRole.set(row.role, [...(byRole.get(row.role) ?? []), row]);
  }
  return [...byRole.entries()].map(([role, rows]) => {
    const sum = (pick: (r: StageRow) => number | null) => rows.reduce((n, r) => n + (pick(r) ?? 0), 0);
    return {
      role,
      stages: rows.length,
      reviewed: rows.filter((r) => r.coverageAfterReview !== null || r.coverageAfterRevision !== null).length,
      meanCoverageAfterReview: mean(rows.map((r) => r.coverageAfterReview)),
      meanCoverageAfterRevision: mean(rows.map((r) => r.coverageAfterRevision)),
      files: sumOrNull(rows.map((r) => r.files)),
      filesChecked: sumOrNull(rows.map((r) => r.filesChecked)),
      filesParsed: sumOrNull(rows.map((r) => r.filesParsed)),
      tokens: sum((r) => r.tokens),
      costUsd: roundUsd(sum((r) => r.costUsd)),
    };
  });
}

/** Every request together: calls, tokens, cost and files summed, coverage averaged over all reviewed stages. */
export function overallTotals(requests: readonly RequestResult[]): Totals & {
  requests: number;
  finished: number;
} {
  const rows = requests.flatMap((r) => r.stages);
  const sum = (pick: (t: Totals) => number) => requests.reduce((n, r) => n + pick(r.totals), 0);
  return {
    requests: requests.length,
    finished: requests.filter((r) => r.outcome === 'finished').length,
    calls: sum((t) => t.calls),
    tokens: sum((t) => t.tokens),
    costUsd: roundUsd(sum((t) => t.costUsd)),
    files: sumOrNull(requests.map((r) => r.totals.files)),
    filesChecked: sumOrNull(requests.map((r) => r.totals.filesChecked)),
    filesParsed: sumOrNull(requests.map((r) => r.totals.filesParsed)),
    meanCoverageAfterReview: mean(rows.map((r) => r.coverageAfterReview)),
    meanCoverageAfterRevision: mean(rows.map((r) => r.coverageAfterRevision)),
  };
}

/** Dollars to a hundredth of a cent: sums of float prices otherwise print as 0.30000000000000004. */
export function roundUsd(usd: number): number {
  return Math.round(usd * 10_000) / 10_000;
}
