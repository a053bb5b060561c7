import { z } from 'zod';
import { executiveSummarySchema } from './executive-summary.js';
import { filesPublicationSchema } from './files-publication.js';
import { projectIdFor } from './ids.js';
import { RUN_PHASES } from './phases.js';
import { planSchema } from './plan.js';
import { clarifyOutputSchema, requirementsSchema } from './requirements.js';
import { reviewTallySchema } from './review.js';
import { usageSchema, ZERO_USAGE } from './usage.js';

export const STAGE_STATES = [
  'pending',
  'awaiting_approval',
  'queued',
  'running',
  'done',
  'failed',
  'rejected',
  'cancelled',
  /** Not run because a stage it reads failed and the plan said to go on without it. */
  'skipped',
] as const;
export type StageState = (typeof STAGE_STATES)[number];

/** One ended attempt of a stage, kept when `retry` or `resume` starts the next (attempts.ts). */
export const earlierAttemptSchema = z.object({
  attempt: z.number().int().min(1),
  state: z.enum(STAGE_STATES),
  startedAt: z.number().optional(),
  finishedAt: z.number().optional(),
  gateOpenedAt: z.number().optional(),
  gateDecidedAt: z.number().optional(),
});
export type EarlierAttempt = z.infer<typeof earlierAttemptSchema>;

export const stageRunSchema = z.object({
  state: z.enum(STAGE_STATES),
  /** Bumped by `retry`/`resume`; model jobs and notes are keyed by it so an old attempt never counts twice. */
  attempt: z.number().int().min(1),
  queuedAt: z.number().optional(),
  startedAt: z.number().optional(),
  finishedAt: z.number().optional(),
  /** One line from the agent, shown in the thread. */
  summary: z.string().optional(),
  error: z.string().optional(),
  usage: usageSchema.optional(),
  /** What every attempt of this stage has cost so far, in US dollars (estimated from the price table). */
  spentUsd: z.number().min(0).optional(),
  /** The model that produced the deliverable; differs from the default when the fallback was used. */
  model: z.string().optional(),
  /** Produced by the fallback model after the default one failed: usable, but flagged. */
  degraded: z.boolean().optional(),
  /** Model-job attempts this stage attempt took (1 = first try). */
  jobAttempts: z.number().int().min(0).optional(),
  /** How many times this attempt's gate has opened; each opening is a new message with live buttons. */
  gateRound: z.number().int().min(0).optional(),
  decision: z
    .object({
      verdict: z.enum(['approved', 'rejected']),
      by: z.string(),
      at: z.number(),
      /** A rejection's reason, as the rejecter wrote it. */
      reason: z.string().optional(),
    })
    .optional(),
  /** When this attempt's gate last opened: the wait for a person ends at `decision.at` (the run picture). */
  gateOpenedAt: z.number().optional(),
  /** Earlier attempts that started or waited at a gate, oldest first (attempts.ts): the run picture's retries. */
  earlierAttempts: z.array(earlierAttemptSchema).optional(),
  /** Approvals on the current gate round, one per person; the gate opens its stage once there are enough. */
  approvals: z.array(z.object({ by: z.string(), at: z.number() })).optional(),
  /** The main risks the stage's agent named in its deliverable (model text: shown escaped). */
  risks: z.array(z.string()).optional(),
  /** The independent review of the accepted deliverable, in a line (absent when reviewing is off). */
  review: reviewTallySchema.optional(),
  /** Files the accepted deliverable handed over. */
  files: z.number().int().min(0).optional(),
});
export type StageRun = z.infer<typeof stageRunSchema>;

export { RUN_PHASES, type RunPhase } from './phases.js';

export const PROJECT_LIST_CAPS = { decisions: 200, transcript: 60, transcriptEntryChars: 4_000 } as const;

/** What the run decided and who decided it, in order: the report's audit trail. */
export const decisionSchema = z.object({
  at: z.number(),
  kind: z.enum([
    'defaults',
    'plan',
    'plan_fallback',
    'approved',
    'rejected',
    'retry',
    'resume',
    'cancel',
    'fallback_model',
    'forget',
    'budget_hold',
    'budget_raised',
    'budget_stop',
    'gate_expired',
  ]),
  by: z.string().optional(),
  stageId: z.string().optional(),
  note: z.string(),
});
export type Decision = z.infer<typeof decisionSchema>;

export {
  type ExecutiveSummary,
  executiveSummarySchema,
  type SummaryAnswer,
  summaryAnswerSchema,
} from './executive-summary.js';

/**
 * A run paused before a model call that could pass a budget: what was held, and the question put to the
 * requester and approvers (Raise budget / Stop). `round` tells this hold's buttons from older ones.
 */
export const budgetHoldSchema = z.object({
  round: z.number().int().min(1),
  scope: z.enum(['project', 'workspace']),
  spentUsd: z.number().min(0),
  limitUsd: z.number().min(0),
  /** The most the held call could have cost. */
  callUsd: z.number().min(0),
  /** Project-manager work to ask for again once the budget is raised; held stages simply wait as pending. */
  held: z.array(z.enum(['clarify', 'plan', 'summary'])),
  heldStages: z.array(z.string()),
});
export type BudgetHold = z.infer<typeof budgetHoldSchema>;

export const transcriptEntrySchema = z.object({
  from: z.enum(['requester', 'project-manager']),
  text: z.string(),
  at: z.number(),
});

export const projectSchema = z.object({
  id: z.string(),
  teamId: z.string(),
  channelId: z.string(),
  threadTs: z.string(),
  requesterId: z.string(),
  request: z.string(),
  /**
   * Who can read the project's conversation. What agents learn in a `public` channel is shared across the
   * workspace; what they learn in a `private` channel or a DM stays with that conversation.
   */
  visibility: z.enum(['public', 'private']).default('private'),
  createdAt: z.number(),
  updatedAt: z.number(),
  /** Increases with every stored change; Slack views carry it so a stale render never overwrites a newer one. */
  revision: z.number().int().min(0),
  phase: z.enum(RUN_PHASES),
  clarification: z.object({
    /** Clarification calls made so far. */
    round: z.number().int().min(0),
    inFlight: z.boolean(),
    goRequested: z.boolean(),
    /** Requester answers that arrived while a call was in flight, not yet seen by the model. */
    unseenAnswers: z.number().int().min(0),
    transcript: z.array(transcriptEntrySchema),
    last: clarifyOutputSchema.optional(),
  }),
  requirements: requirementsSchema.optional(),
  defaultsUsed: z.boolean().optional(),
  plan: planSchema.optional(),
  /** Why the plan looks the way it does (the project manager's words, or why the default was used). */
  planRationale: z.string().optional(),
  stages: z.record(z.string(), stageRunSchema),
  /** Times the plan has been asked for; the plan job and its result carry it, so a re-plan is new work. */
  planRound: z.number().int().min(0).default(0),
  /** Times the summary has been asked for (a run can finish again after `retry`). */
  summaryRound: z.number().int().min(0).default(0),
  /** What the project may spend on the model; Raise budget adds `baseUsd` to `limitUsd`. */
  budget: z.object({ limitUsd: z.number().min(0), baseUsd: z.number().min(0) }).optional(),
  budgetHold: budgetHoldSchema.optional(),
  /** Budget holds so far; each hold's message and buttons carry its round. */
  budgetRounds: z.number().int().min(0).default(0),
  /** Forget confirmations asked and not yet answered (their message keys). */
  openForgetKeys: z.array(z.string()).default([]),
  summary: executiveSummarySchema.optional(),
  /** Where the last summary round committed the files (DELIVERABLES_GIT_URL), or why that failed. */
  filesPublication: filesPublicationSchema.optional(),
  decisions: z.array(decisionSchema),
  stopReason: z.string().optional(),
  usage: usageSchema,
  /** Ids of the last events applied, so a redelivered event is recognised and skipped. */
  recentEvents: z.array(z.string()),
});
export type Project = z.infer<typeof projectSchema>;

export { projectIdFor } from './ids.js';

export function newProject(args: {
  teamId: string;
  channelId: string;
  threadTs: string;
  requesterId: string;
  request: string;
  visibility?: 'public' | 'private' | undefined;
  now: number;
}): Project {
  return {
    id: projectIdFor(args.teamId, args.channelId, args.threadTs),
    teamId: args.teamId,
    channelId: args.channelId,
    threadTs: args.threadTs,
    requesterId: args.requesterId,
    request: args.request,
    visibility: args.visibility ?? 'private',
    createdAt: args.now,
    updatedAt: args.now,
    revision: 0,
    phase: 'clarifying',
    clarification: { round: 0, inFlight: false, goRequested: false, unseenAnswers: 0, transcript: [] },
    stages: {},
    planRound: 0,
    summaryRound: 0,
    budgetRounds: 0,
    openForgetKeys: [],
    decisions: [],
    usage: ZERO_USAGE,
    recentEvents: [],
  };
}
