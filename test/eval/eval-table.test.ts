import { describe, expect, it } from 'vitest';
import type { Driven } from '../../src/app/eval/driver.js';
import type { EvalRequest } from '../../src/app/eval/requests.js';
import { evalResultsSchema } from '../../src/app/eval/results.js';
import { overallTotals, roleSummaries } from '../../src/app/eval/rows.js';
import { requestResult } from '../../src/app/eval/runner.js';
import { evalReport } from '../../src/app/eval/table.js';
import type { Deliverable } from '../../src/domain/deliverable.js';
import type { DeliverableFile } from '../../src/domain/deliverable-files.js';
import { defaultPlan } from '../../src/domain/plan.js';
import { newProject, type Project } from '../../src/domain/project.js';
import type { ChecklistReview, StageReview } from '../../src/domain/review.js';
import type { Usage } from '../../src/domain/usage.js';
import { FIXTURE_REQUIREMENTS } from '../support/fixtures.js';

/** The eval's rows, table and JSON from a run built by hand: one stage reviewed and revised, with files. */

const REQUEST: EvalRequest = { name: 'churn', kind: 'tabular classification', text: 'build a churn model' };

function usage(input: number, output: number, costUsd: number, calls: number): Usage {
  return {
    inputTokens: input,
    outputTokens: output,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    calls,
    costUsd,
  };
}

function graded(met: number, partial: number, missing: number): ChecklistReview {
  const total = met + partial + missing;
  return {
    items: [],
    met,
    partial,
    missing,
    coverage: Math.round(((met + partial / 2) / total) * 1000) / 1000,
    comments: '',
  };
}

function deliverable(stageId: string, role: string, extra: Partial<Deliverable>): Deliverable {
  return {
    stageId,
    attempt: 1,
    role,
    summary: 's',
    deliverable: 'd',
    digest: 'd',
    usage: usage(1_000, 2_000, 0.05, 1),
    model: 'claude-sonnet-5-5',
    degraded: false,
    jobAttempts: 1,
    workerId: 'host:1',
    startedAt: 1,
    producedAt: 2,
    ...extra,
  };
}

function finishedProject(): Project {
  const p = newProject({
    teamId: 'T1',
    channelId: 'C1',
    threadTs: '1.000001',
    requesterId: 'U1',
    request: REQUEST.text,
    now: 1,
  });
  p.plan = defaultPlan(FIXTURE_REQUIREMENTS);
  p.phase = 'completed';
  for (const s of p.plan.stages) p.stages[s.id] = { state: 'done', attempt: 1 };
  // Everything the run spent: its stages' and the project manager's.
  p.usage = usage(20_000, 12_000, 0.7, 12);
  return p;
}

const FILES: DeliverableFile[] = [
  { path: 'ingest/schema.yaml', language: 'yaml', content: 'a: 1', parses: true },
  { path: 'ingest/rules.json', language: 'json', content: '{', parses: false },
  { path: 'ingest/load.py', language: 'python', content: 'print(1)' },
];

const REVIEW: StageReview = { first: graded(5, 2, 3), final: graded(8, 2, 0), revised: true, model: 'm' };

function built() {
  const project = finishedProject();
  const deliverables = new Map<string, Deliverable>();
  for (const s of project.plan?.stages ?? []) {
    deliverables.set(
      s.id,
      s.id === 'phase1.data-engineer'
        ? deliverable(s.id, s.role, {
            review: REVIEW,
            files: FILES,
            fileProblems: [
              { code: 'parse_error', path: 'ingest/rules.json', message: 'JSON does not parse' },
            ],
            usage: usage(5_000, 4_000, 0.35, 3),
          })
        : deliverable(s.id, s.role, {}),
    );
  }
  const driven: Driven = {
    outcome: 'finished',
    phase: 'completed',
    problem: null,
    projectId: project.id,
    project,
    goAnswers: 1,
    approvals: 2,
    durationMs: 12_345,
  };
  return { project, result: requestResult(REQUEST, driven, deliverables) };
}

describe('the eval results of a run', () => {
  it('give each planned stage a row with its role, coverage after review and revision, files and cost', () => {
    const { project, result } = built();
    expect(result.stages.map((r) => [r.stageId, r.role])).toEqual(
      project.plan?.stages.map((s) => [s.id, s.role]),
    );
    const reviewed = result.stages[0];
    expect(reviewed).toMatchObject({
      role: 'data-engineer',
      coverageAfterReview: 0.6,
      coverageAfterRevision: 0.9,
      revised: true,
      missing: 0,
      files: 3,
      filesChecked: 2,
      filesParsed: 1,
      fileProblems: 1,
      calls: 3,
      tokens: 9_000,
      costUsd: 0.35,
    });
    // A stage without a review or a file list shows nothing measured, not zero.
    expect(result.stages[1]).toMatchObject({
      coverageAfterReview: null,
      coverageAfterRevision: null,
      files: null,
      filesParsed: null,
      tokens: 3_000,
    });
    const stages = result.stages.length;
    // The project manager's share is what the run spent besides its stages.
    expect(result.projectManager.calls).toBe(12 - 3 - (stages - 1));
    expect(result.projectManager.tokens).toBe(32_000 - 9_000 - 3_000 * (stages - 1));
    expect(result.projectManager.costUsd).toBeCloseTo(0.7 - 0.35 - 0.05 * (stages - 1), 6);
    expect(result.totals).toMatchObject({
      calls: 12,
      tokens: 32_000,
      costUsd: 0.7,
      files: 3,
      filesChecked: 2,
      filesParsed: 1,
      meanCoverageAfterReview: 0.6,
      meanCoverageAfterRevision: 0.9,
    });
  });

  it('print a table per request and the mean coverage per role, and validate as the results JSON', () => {
    const { result } = built();
    const other = { ...result, name: 'images', stages: result.stages.map((s) => ({ ...s })) };
    const first = other.stages[0];
    if (first) Object.assign(first, { coverageAfterReview: 0.8, coverageAfterRevision: 1 });
    const requests = [result, other];
    const results = evalResultsSchema.parse({
      version: 1,
      startedAt: new Date(0).toISOString(),
      finishedAt: new Date(1_000).toISOString(),
      model: { offline: false, name: 'claude-sonnet-5-5' },
      requestTimeoutMs: 60_000,
      requests,
      roles: roleSummaries(requests),
      totals: overallTotals(requests),
    });
    const dataEngineer = results.roles.find((r) => r.role === 'data-engineer');
    expect(dataEngineer).toMatchObject({
      stages: 2,
      reviewed: 2,
      meanCoverageAfterReview: 0.7,
      meanCoverageAfterRevision: 0.95,
      files: 6,
      filesParsed: 2,
    });
    expect(results.totals).toMatchObject({ requests: 2, finished: 2, costUsd: 1.4, calls: 24 });

    const text = evalReport(results, 'eval-results/x.json');
    const rowOf = (needle: string) => text.split('\n').find((l) => l.includes(needle)) ?? '';
    expect(rowOf('phase1.data-engineer')).toMatch(
      /data-engineer\s+phase1\.data-engineer\s+done, revised\s+60%\s+90%\s+3\s+1\/2\s+3\s+9,000\s+\$0\.3500/,
    );
    expect(rowOf('phase1.data-scientist')).toMatch(/done\s+—\s+—\s+—\s+—\s+1\s+3,000\s+\$0\.0500/);
    expect(rowOf('project-manager')).toContain('clarify, plan, summary');
    expect(text).toContain(
      'churn · tabular classification · finished (completed) in 12.3 s · 1 go, 2 approved',
    );
    expect(text).toMatch(/data-engineer\s+2\s+2\s+70%\s+95%\s+6\s+2\/4/);
    expect(text).toContain('2 of 2 requests finished');
    expect(text).toContain('Results: eval-results/x.json');
  });

  it('show a request that did not finish with why, and count it as not finished', () => {
    const driven: Driven = {
      outcome: 'timed_out',
      phase: 'running',
      problem: 'still running after 60 s (phase3.mlops-engineer awaiting_approval)',
      projectId: 'T1-C1-1.0',
      project: undefined,
      goAnswers: 1,
      approvals: 0,
      durationMs: 60_000,
    };
    const r = requestResult(REQUEST, driven, new Map());
    expect(r.stages).toEqual([]);
    const totals = overallTotals([r]);
    expect(totals.finished).toBe(0);
    // Nothing was measured, so nothing reads as zero.
    expect([totals.files, totals.filesParsed, totals.meanCoverageAfterRevision]).toEqual([null, null, null]);
    const text = evalReport(
      evalResultsSchema.parse({
        version: 1,
        startedAt: new Date(0).toISOString(),
        finishedAt: new Date(0).toISOString(),
        model: { offline: true, name: 'offline' },
        requestTimeoutMs: 60_000,
        requests: [r],
        roles: roleSummaries([r]),
        totals,
      }),
    );
    expect(text).toContain('churn · tabular classification · TIMED OUT (running) in 60.0 s');
    expect(text).toContain('phase3.mlops-engineer awaiting_approval');
    expect(text).toContain(
      '0 of 1 requests finished · coverage after review —, after revision — · files — (—',
    );
  });
});
