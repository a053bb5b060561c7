import { z } from 'zod';
import { RUN_PHASES } from '../../domain/phases.js';
import { STAGE_STATES } from '../../domain/project.js';

/**
 * The eval's results file (`eval-results/<timestamp>.json`): one entry per request with a row per stage,
 * and means per role over every request. Columns the run did not produce (no review, no files) are null,
 * never 0, so "not measured" is not read as "scored nothing".
 */

const coverage = z.number().min(0).max(1).nullable();
const count = z.number().int().min(0);

export const stageRowSchema = z.object({
  stageId: z.string(),
  role: z.string(),
  state: z.union([z.enum(STAGE_STATES), z.literal('not_started')]),
  /** Checklist coverage the first review gave; null without a review. */
  coverageAfterReview: coverage,
  /** Coverage of the accepted version (after the revision round, if there was one); null without a review. */
  coverageAfterRevision: coverage,
  revised: z.boolean().nullable(),
  /** Checklist items still missing after revision; null without a review. */
  missing: count.nullable(),
  /** Files handed over; null when the deliverable carries no file list. */
  files: count.nullable(),
  /** YAML and JSON files among them (the ones that are parsed), and how many of those parse. */
  filesChecked: count.nullable(),
  filesParsed: count.nullable(),
  /** What the file checks refused or flagged (unsafe paths, parse errors…). */
  fileProblems: count.nullable(),
  calls: count,
  inputTokens: count,
  outputTokens: count,
  /** Input, output and cache tokens together. */
  tokens: count,
  costUsd: z.number().min(0),
  model: z.string().nullable(),
});
export type StageRow = z.infer<typeof stageRowSchema>;

export const totalsSchema = z.object({
  calls: count,
  tokens: count,
  costUsd: z.number().min(0),
  files: count.nullable(),
  filesChecked: count.nullable(),
  filesParsed: count.nullable(),
  /** Means over the stages that were reviewed; null when none was. */
  meanCoverageAfterReview: coverage,
  meanCoverageAfterRevision: coverage,
});
export type Totals = z.infer<typeof totalsSchema>;

export const REQUEST_OUTCOMES = ['finished', 'ended', 'timed_out', 'error'] as const;
export type RequestOutcome = (typeof REQUEST_OUTCOMES)[number];

export const requestResultSchema = z.object({
  name: z.string(),
  kind: z.string(),
  request: z.string(),
  /**
   * `finished`: the run completed; `ended`: it stopped, failed or was cancelled; `timed_out`: it was still
   * going at the per-request timeout; `error`: the eval could not drive it.
   */
  outcome: z.enum(REQUEST_OUTCOMES),
  phase: z.enum(RUN_PHASES).nullable(),
  /** Why it did not finish, in a sentence. */
  problem: z.string().nullable(),
  projectId: z.string().nullable(),
  durationMs: count,
  /** Clarifying rounds answered with `go` and gates the eval approved. */
  goAnswers: count,
  approvals: count,
  stages: z.array(stageRowSchema),
  /** Clarification, plan and summary: the project manager's calls (the run's usage minus its stages'). */
  projectManager: z.object({ calls: count, tokens: count, costUsd: z.number().min(0) }),
  totals: totalsSchema,
});
export type RequestResult = z.infer<typeof requestResultSchema>;

export const roleSummarySchema = z.object({
  role: z.string(),
  stages: count,
  reviewed: count,
  meanCoverageAfterReview: coverage,
  meanCoverageAfterRevision: coverage,
  files: count.nullable(),
  filesChecked: count.nullable(),
  filesParsed: count.nullable(),
  tokens: count,
  costUsd: z.number().min(0),
});
export type RoleSummary = z.infer<typeof roleSummarySchema>;

export const evalResultsSchema = z.object({
  version: z.literal(1),
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime(),
  model: z.object({ offline: z.boolean(), name: z.string() }),
  requestTimeoutMs: count,
  requests: z.array(requestResultSchema),
  roles: z.array(roleSummarySchema),
  totals: totalsSchema.extend({ requests: count, finished: count }),
});
export type EvalResults = z.infer<typeof evalResultsSchema>;
