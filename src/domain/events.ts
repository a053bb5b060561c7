import { z } from 'zod';
import { REASON_MAX_CHARS } from './audit.js';
import { filesPublicationSchema } from './files-publication.js';
import { agentJobSchema } from './jobs.js';
import { tailoredPlanSchema } from './plan.js';
import { executiveSummarySchema } from './project.js';
import { clarifyOutputSchema } from './requirements.js';
import { REVIEW_CAVEATS, reviewTallySchema } from './review.js';
import { usageSchema } from './usage.js';

/**
 * Who wrote a message or clicked a button, as the Slack listener established it. Who may act is decided
 * by the orchestrator from these facts, never by the listener and never by a model.
 */
const actor = {
  userId: z.string(),
  /**
   * The user's own workspace (`user_team` / the clicker's `team_id`). In a shared (Slack Connect)
   * channel it differs from the project's workspace for members of the other organisation.
   * Undefined: the same workspace as the project.
   */
  userTeamId: z.string().optional(),
  /**
   * `member` of the workspace, `guest` (single- or multi-channel guest), or `unknown` when Slack could
   * not tell us in time (controls are then refused with a request to try again). Undefined: member.
   */
  userKind: z.enum(['member', 'guest', 'unknown']).optional(),
  /**
   * Whether Slack listed the user in APPROVER_GROUP when they acted (looked up by the listener, for gate
   * clicks and controls, only when a group is configured and they are not an approver by id).
   */
  inApproverGroup: z.boolean().optional(),
};

/** Where a click happened: the thread of the message that carried the button. */
const originSchema = z.object({
  teamId: z.string(),
  channelId: z.string(),
  threadTs: z.string(),
  /** The message that carried the button (for the audit trail). */
  messageTs: z.string().optional(),
});

/** A file attached to a request; text files small enough are read in. */
export const attachmentSchema = z.object({
  name: z.string().max(255),
  /** The file's text, when it is a text file under the size limit; otherwise only its name is known. */
  content: z.string().max(200_000).optional(),
});

/**
 * Everything that can happen to a project, as the orchestrator's queue carries it. Each event has an id
 * that is stable across redeliveries, so applying one twice is detected and skipped.
 */
export const messageEventSchema = z.object({
  type: z.literal('message'),
  eventId: z.string(),
  /** The workspace that installed the app (a project belongs to it, whatever team an envelope names). */
  teamId: z.string(),
  channelId: z.string(),
  threadTs: z.string(),
  ts: z.string(),
  ...actor,
  text: z.string(),
  /** The bot was @mentioned (app_mention) or this is a direct message: may open a project. */
  addressed: z.boolean(),
  /**
   * Who can read the conversation: `public` channels share what agents learn across the workspace;
   * `private` channels and DMs keep it to themselves. Undefined (not known) counts as private.
   */
  visibility: z.enum(['public', 'private']).optional(),
  attachments: z.array(attachmentSchema).max(10).optional(),
});

const projectScoped = { eventId: z.string(), projectId: z.string() };

export const orchestratorEventSchema = z.discriminatedUnion('type', [
  messageEventSchema,
  z.object({
    type: z.literal('gate_decision'),
    ...projectScoped,
    stageId: z.string(),
    /** The stage attempt and gate round the clicked message was posted for. */
    attempt: z.number().int().min(1),
    gateRound: z.number().int().min(1),
    verdict: z.enum(['approve', 'reject']),
    /** Why, as the rejecter wrote it in the Reject modal (user text). */
    reason: z.string().max(REASON_MAX_CHARS).optional(),
    ...actor,
    origin: originSchema,
  }),
  /**
   * A gate's timer came due (a delayed job on this queue): `reminder` at half time, `expiry` at the end.
   * It carries the round it was set for, so a timer of a gate decided or opened again since does nothing.
   */
  z.object({
    type: z.literal('gate_timer'),
    ...projectScoped,
    stageId: z.string(),
    attempt: z.number().int().min(1),
    gateRound: z.number().int().min(1),
    timer: z.enum(['reminder', 'expiry']),
  }),
  z.object({
    type: z.literal('clarify_done'),
    ...projectScoped,
    round: z.number().int(),
    output: clarifyOutputSchema,
    usage: usageSchema,
  }),
  z.object({
    type: z.literal('clarify_failed'),
    ...projectScoped,
    round: z.number().int(),
    error: z.string(),
  }),
  z.object({
    type: z.literal('plan_done'),
    ...projectScoped,
    round: z.number().int(),
    output: tailoredPlanSchema,
    usage: usageSchema,
  }),
  z.object({ type: z.literal('plan_failed'), ...projectScoped, round: z.number().int(), error: z.string() }),
  z.object({
    type: z.literal('stage_started'),
    ...projectScoped,
    stageId: z.string(),
    attempt: z.number().int(),
  }),
  z.object({
    type: z.literal('stage_done'),
    ...projectScoped,
    stageId: z.string(),
    attempt: z.number().int(),
    summary: z.string(),
    /** The main risks the agent named (at most five short lines); shown on the gates that build on it. */
    risks: z.array(z.string().max(300)).max(5).optional(),
    review: reviewTallySchema.optional(),
    reviewCaveat: z.enum(REVIEW_CAVEATS).optional(),
    files: z.number().int().min(0).optional(),
    usage: usageSchema,
    model: z.string(),
    degraded: z.boolean(),
    jobAttempts: z.number().int().min(1),
  }),
  z.object({
    type: z.literal('stage_failed'),
    ...projectScoped,
    stageId: z.string(),
    attempt: z.number().int(),
    error: z.string(),
  }),
  z.object({
    type: z.literal('summary_done'),
    ...projectScoped,
    round: z.number().int(),
    summary: executiveSummarySchema,
    usage: usageSchema,
    /** Where the project's files were committed before the summary was written (DELIVERABLES_GIT_URL). */
    files: filesPublicationSchema.optional(),
  }),
  /**
   * The project's files were committed and pushed (or the push failed) before the summary was asked for,
   * so even a summary made without the model names the branch.
   */
  z.object({
    type: z.literal('files_published'),
    ...projectScoped,
    round: z.number().int(),
    files: filesPublicationSchema,
  }),
  z.object({
    type: z.literal('summary_failed'),
    ...projectScoped,
    round: z.number().int(),
    error: z.string(),
  }),
  /**
   * Someone pressed Slack's Stop on the thread's agent session (`agent_session_stopped`): a `cancel` by them,
   * with the same authority. Keyed by the Slack event id.
   */
  z.object({ type: z.literal('session_stopped'), ...projectScoped, ...actor }),
  z.object({
    type: z.literal('forget_decision'),
    ...projectScoped,
    verdict: z.enum(['forget', 'keep']),
    ...actor,
    /** The confirmation message the click came from. */
    confirmKey: z.string(),
    origin: originSchema,
  }),
  z.object({
    type: z.literal('budget_decision'),
    ...projectScoped,
    /** The budget hold the clicked message was posted for. */
    round: z.number().int().min(1),
    verdict: z.enum(['raise', 'stop']),
    ...actor,
    origin: originSchema,
  }),
  /** A model call was not made because it could have passed the project's or the workspace's budget. */
  z.object({
    type: z.literal('budget_exceeded'),
    ...projectScoped,
    scope: z.enum(['project', 'workspace']),
    /** The job that was held back, so it can be asked for again once the budget is raised. */
    job: agentJobSchema,
    spentUsd: z.number().min(0),
    limitUsd: z.number().min(0),
    /** The most the held call could have cost. */
    callUsd: z.number().min(0),
  }),
]);
export type OrchestratorEvent = z.infer<typeof orchestratorEventSchema>;
export type MessageEvent = z.infer<typeof messageEventSchema>;
export type Attachment = z.infer<typeof attachmentSchema>;
