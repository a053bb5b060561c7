import { z } from 'zod';
import { auditEntrySchema } from './audit.js';
import { filesPublicationSchema } from './files-publication.js';
import { planSchema } from './plan.js';
import { executiveSummarySchema, RUN_PHASES, STAGE_STATES } from './project.js';
import { requirementsSchema } from './requirements.js';
import { REVIEW_CAVEATS, reviewTallySchema } from './review.js';
import { STAGE_STEPS } from './stage-progress.js';
import { usageSchema } from './usage.js';

/**
 * What the orchestrator wants a person to see, without any Slack detail. `src/bot/views` turns each
 * into Block Kit. Views travel through the outbox queue, so they are schemas, not just types.
 */
export const stageLineSchema = z.object({
  id: z.string(),
  role: z.string(),
  phase: z.number(),
  state: z.enum(STAGE_STATES),
  needsApproval: z.boolean(),
  summary: z.string().optional(),
  error: z.string().optional(),
  degraded: z.boolean().optional(),
  /** What every attempt of the stage has cost so far. */
  spentUsd: z.number().optional(),
  /** Tokens the stage's finished attempt used. */
  tokens: z.number().optional(),
  /** When the current attempt started and finished (ms): the task cards' elapsed time. */
  startedAt: z.number().optional(),
  finishedAt: z.number().optional(),
  /** The accepted deliverable's review, in a line; and how many files it handed over. */
  review: reviewTallySchema.optional(),
  files: z.number().int().min(0).optional(),
  /** The stage's current attempt: progress recorded for another attempt is not shown. */
  attempt: z.number().optional(),
  /** How far the running stage is (stage-progress.ts); added where the status is shown, not stored. */
  progress: z
    .object({
      step: z.enum(STAGE_STEPS),
      outputTokens: z.number(),
      maxTokens: z.number(),
    })
    .optional(),
});
export type StageLine = z.infer<typeof stageLineSchema>;

export const statusViewSchema = z.object({
  type: z.literal('status'),
  phase: z.enum(RUN_PHASES),
  stages: z.array(stageLineSchema),
  usage: usageSchema,
  /** The project's budget ceiling now. */
  budgetUsd: z.number().optional(),
  stopReason: z.string().optional(),
  /** The answer to `status` (not the live status message): its stages go in a table where Slack allows. */
  reply: z.boolean().optional(),
});

export const viewSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('welcome'), requesterId: z.string() }),
  z.object({
    type: z.literal('questions'),
    round: z.number(),
    maxRounds: z.number(),
    questions: z.array(z.string()),
    assumptions: z.array(z.string()),
  }),
  z.object({
    type: z.literal('plan'),
    plan: planSchema,
    requirements: requirementsSchema,
    assumptions: z.array(z.string()),
    defaultsUsed: z.boolean(),
    rationale: z.string().optional(),
    /** The most each stage can cost per try, and the project's budget. */
    forecast: z
      .object({
        stages: z.array(z.object({ stageId: z.string(), usd: z.number() })),
        totalUsd: z.number(),
        budgetUsd: z.number(),
        /** Each stage's review is priced in. */
        reviewed: z.boolean().optional(),
      })
      .optional(),
  }),
  statusViewSchema,
  z.object({
    type: z.literal('stage_note'),
    stageId: z.string(),
    role: z.string(),
    outcome: z.enum(['done', 'failed']),
    text: z.string(),
    /** Set when the fallback model produced it. */
    fallbackModel: z.string().optional(),
    review: reviewTallySchema.optional(),
    reviewCaveat: z.enum(REVIEW_CAVEATS).optional(),
    files: z.number().int().min(0).optional(),
  }),
  z.object({
    type: z.literal('gate'),
    projectId: z.string(),
    stageId: z.string(),
    /** The stage attempt and the gate round this message asks about; its buttons carry both. */
    attempt: z.number().int().min(1),
    gateRound: z.number().int().min(1),
    role: z.string(),
    task: z.string(),
    /** One line per stage this deployment builds on: why it is safe to go ahead. */
    basis: z.array(z.object({ stageId: z.string(), summary: z.string() })),
    approverIds: z.array(z.string()),
    /** APPROVER_GROUP: its members may decide too. */
    approverGroupId: z.string().optional(),
    /** Approvals so far on this round, and how many it needs (APPROVALS_REQUIRED). */
    approvals: z.array(z.object({ by: z.string(), at: z.number() })).optional(),
    approvalsRequired: z.number().int().min(1).optional(),
    /** The main risks the stages it builds on named (model text: rendered escaped). */
    risks: z.array(z.object({ stageId: z.string(), text: z.string() })).optional(),
    /** Spent so far, the most the stages still to run may cost (when priced), and the budget. */
    spend: z
      .object({ spentUsd: z.number(), restForecastUsd: z.number().optional(), budgetUsd: z.number() })
      .optional(),
    /** When this round expires unless approved. */
    expiresAt: z.number().optional(),
    decision: z
      .object({
        verdict: z.enum(['approved', 'rejected']),
        by: z.string(),
        at: z.number(),
        /** A rejection's reason (user text: escaped when shown). */
        reason: z.string().optional(),
      })
      .optional(),
    /** Set when the gate closed without a decision (run cancelled or stopped, or the gate expired). */
    closedReason: z.string().optional(),
  }),
  /**
   * Half time on a gate: a reminder in the thread naming the configured deciders who have not approved
   * (never anyone a model named), with what is still needed and when the gate expires.
   */
  z.object({
    type: z.literal('gate_reminder'),
    stageId: z.string(),
    mentionUserIds: z.array(z.string()),
    mentionGroupId: z.string().optional(),
    approvals: z.number().int().min(0),
    approvalsRequired: z.number().int().min(1),
    expiresAt: z.number(),
  }),
  z.object({
    type: z.literal('summary'),
    summary: executiveSummarySchema,
    usage: usageSchema,
    /** What was spent on what, and the budget it ended with. */
    spentOn: z.array(z.object({ label: z.string(), usd: z.number() })).optional(),
    budgetUsd: z.number().optional(),
    stageCount: z.number().int(),
    /** Every stage with its state, tokens and cost: the summary's table. */
    stages: z.array(stageLineSchema).optional(),
    degradedStages: z.array(z.string()),
    failedStages: z.array(z.string()),
    /** Where the project's files were committed, or why the push failed (DELIVERABLES_GIT_URL). */
    files: filesPublicationSchema.optional(),
  }),
  z.object({
    type: z.literal('notice'),
    tone: z.enum(['info', 'warning', 'error']),
    /** Our own sentence; may name users as `<@U…>`. */
    text: z.string(),
    /** Text from a model, a person or an error, shown after `text` and always escaped: it can never ping. */
    detail: z.string().optional(),
  }),
  /** A run paused before a model call that could pass a budget; Raise budget and Stop while undecided. */
  z.object({
    type: z.literal('budget'),
    projectId: z.string(),
    round: z.number().int().min(1),
    scope: z.enum(['project', 'workspace']),
    spentUsd: z.number(),
    limitUsd: z.number(),
    callUsd: z.number(),
    /** The ceiling Raise budget would set. */
    raisedLimitUsd: z.number(),
    spentOn: z.array(z.object({ label: z.string(), usd: z.number() })),
    deciders: z.array(z.string()),
    decision: z
      .object({
        verdict: z.enum(['raised', 'stopped', 'closed']),
        by: z.string().optional(),
        at: z.number(),
        note: z.string().optional(),
      })
      .optional(),
  }),
  z.object({
    type: z.literal('forget_confirm'),
    projectId: z.string(),
    /** This message's own key, so a click can say which confirmation it answers. */
    confirmKey: z.string(),
    askedBy: z.string(),
    /** Set once someone decided: the buttons go. */
    decision: z.object({ verdict: z.enum(['forgotten', 'kept']), by: z.string(), at: z.number() }).optional(),
  }),
  z.object({
    type: z.literal('memory'),
    role: z.string(),
    counts: z.object({ history: z.number(), insights: z.number(), unreadMessages: z.number() }),
    history: z.array(z.object({ outcome: z.string(), task: z.string(), source: z.string() })),
    insights: z.array(
      z.object({
        area: z.string(),
        insight: z.string(),
        impact: z.string(),
        confidence: z.number(),
        source: z.string(),
      }),
    ),
    collaborators: z.array(z.object({ role: z.string(), tasks: z.number(), successes: z.number() })),
    messages: z.array(
      z.object({ from: z.string(), type: z.string(), priority: z.string(), text: z.string() }),
    ),
  }),
  /** The project's audit trail (`audit`): its latest entries, oldest first, and how many there are. */
  z.object({
    type: z.literal('audit'),
    entries: z.array(auditEntrySchema),
    total: z.number().int().min(0),
  }),
]);
export type View = z.infer<typeof viewSchema>;
export type StatusView = z.infer<typeof statusViewSchema>;
export type GateView = Extract<View, { type: 'gate' }>;
