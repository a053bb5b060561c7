import { z } from 'zod';
import { auditEntrySchema } from './audit.js';
import { agentJobSchema } from './jobs.js';
import { SESSION_STATUSES } from './phases.js';
import { viewSchema } from './views.js';

/**
 * What the state machine asks the outside world to do. Effects are stored with the project before they
 * run, and every one is idempotent by its key, so replaying them after a crash does no harm.
 */
export const effectSchema = z.discriminatedUnion('kind', [
  /**
   * A thread message identified by `key`. `post`: post it once, never again. `upsert`: post it the first
   * time, edit it in place afterwards (the live status message, a gate after its decision).
   */
  z.object({
    kind: z.literal('thread_message'),
    key: z.string(),
    mode: z.enum(['post', 'upsert']),
    view: viewSchema,
  }),
  /** A message only `userId` sees (a refused click). */
  z.object({ kind: z.literal('ephemeral'), key: z.string(), userId: z.string(), view: viewSchema }),
  /** The full report (every deliverable and the run's metadata) uploaded to the thread as files. */
  z.object({ kind: z.literal('report'), key: z.string() }),
  /** The picture of the run so far (`status picture`) uploaded to the thread as a PNG. */
  z.object({ kind: z.literal('run_picture'), key: z.string() }),
  /** Delete the project's deliverables and the agent memory only it contributed, then report in the thread. */
  z.object({
    kind: z.literal('forget'),
    key: z.string(),
    /** Every stage attempt that may have stored a deliverable. */
    deliverables: z.array(z.object({ stageId: z.string(), attempt: z.number().int() })),
    userId: z.string(),
  }),
  /**
   * Read what a role remembers, as far as this thread's channel may see (public memory in a public channel;
   * the channel's own and the public in a private one), and show it to `userId` only.
   */
  z.object({ kind: z.literal('memory_report'), key: z.string(), role: z.string(), userId: z.string() }),
  /** Adds `amountUsd` to what a workspace may spend today (Raise budget on a workspace hold). */
  z.object({
    kind: z.literal('raise_workspace_budget'),
    key: z.string(),
    teamId: z.string(),
    amountUsd: z.number().positive(),
  }),
  /** One entry of the project's audit trail; `key` (`auditKey`) makes a replay write it once. */
  z.object({ kind: z.literal('audit'), key: z.string(), entry: auditEntrySchema }),
  /** Read the project's audit trail and post its latest entries in the thread (`audit`). */
  z.object({ kind: z.literal('audit_report'), key: z.string() }),
  /**
   * The thread's Slack agent session changed status (`sessionStatus`): say so with agents.sessions.setStatus.
   * `title` names the session when Slack creates it; `initiatorUserId` is the requester.
   */
  z.object({
    kind: z.literal('session_status'),
    key: z.string(),
    teamId: z.string(),
    status: z.enum(SESSION_STATUSES),
    title: z.string(),
    initiatorUserId: z.string(),
  }),
  /**
   * A gate's reminder or expiry, due at `fireAt` (epoch ms): a delayed job on the orchestrator's queue
   * whose event id (and so job id) names the gate round, so setting it again adds nothing.
   */
  z.object({
    kind: z.literal('gate_timer'),
    key: z.string(),
    stageId: z.string(),
    attempt: z.number().int().min(1),
    gateRound: z.number().int().min(1),
    timer: z.enum(['reminder', 'expiry']),
    fireAt: z.number(),
  }),
  /** A gate round closed (decided, closed, expired): its timers still waiting are dropped from the queue. */
  z.object({
    kind: z.literal('cancel_gate_timers'),
    key: z.string(),
    stageId: z.string(),
    attempt: z.number().int().min(1),
    gateRound: z.number().int().min(1),
  }),
  /**
   * Direct messages, one per person, each sent once (`key` and the person's id): to `userIds` and, when
   * `groupId` is set, to that user group's members (up to a cap), never to `exceptUserIds`. `linkTo` is
   * the key of the thread message they link to; the link is made when they are sent. Only people the
   * configuration or the project names are written to, never anyone a model named.
   */
  z.object({
    kind: z.literal('direct_messages'),
    key: z.string(),
    userIds: z.array(z.string()),
    groupId: z.string().optional(),
    exceptUserIds: z.array(z.string()).optional(),
    linkTo: z.string(),
    view: viewSchema,
  }),
  /** Model work for the agents' queue; `key` makes the job id. */
  z.object({ kind: z.literal('agent_job'), key: z.string(), job: agentJobSchema }),
]);
export type Effect = z.infer<typeof effectSchema>;
