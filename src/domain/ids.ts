import { z } from 'zod';
import { assertNever } from './assert-never.js';

/**
 * Every id Pipewright builds: project ids, event ids, job ids, thread-message keys and button values.
 * Ids are how redeliveries, replays and retries are recognised (BullMQ job ids, the applied-events record,
 * the outbox's posted-message record), so each is built here and nowhere else: an id that forgets the
 * round or attempt it belongs to makes a second, different event look like a repeat of the first.
 */

// ── Projects ────────────────────────────────────────────────────────────────────────────────────────

/** One project per Slack thread. Job ids may not contain ':', so the parts are joined with '-'. */
export function projectIdFor(teamId: string, channelId: string, threadTs: string): string {
  return `${teamId}-${channelId}-${threadTs}`;
}

/**
 * The thread a project lives in, read from its id (`<team>-<channel>-<thread ts>`; Slack team and
 * channel ids never contain '-'). Used when the project record itself cannot be read.
 */
export function threadOf(
  projectId: string,
): { teamId: string; channelId: string; threadTs: string } | undefined {
  const match = /^([A-Z0-9]+)-([A-Z0-9]+)-(\d+\.\d+)$/.exec(projectId);
  if (!match?.[1] || !match[2] || !match[3]) return undefined;
  return { teamId: match[1], channelId: match[2], threadTs: match[3] };
}

/** A short, stable tag of a project id (FNV-1a, 8 hex digits): what tells two projects of one title apart. */
export function shortProjectId(projectId: string): string {
  let hash = 0x811c9dc5;
  for (const ch of projectId) {
    hash ^= ch.codePointAt(0) ?? 0;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/**
 * The project's name in files and refs: its title (the objective, else the request) as lower-case ASCII
 * words joined by '-', at most 40 characters, then the short id. Only [a-z0-9-], so it is a valid file name,
 * archive folder and git ref component whatever the title holds (`git check-ref-format` rules).
 */
export function projectSlug(title: string, projectId: string): string {
  const words = title
    .normalize('NFKD')
    .replace(/\p{M}/gu, '') // accents dropped, so "façade" reads "facade"
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return `${words || 'project'}-${shortProjectId(projectId)}`;
}

/** The branch a project's files are committed on (DELIVERABLES_GIT_URL): `pipewright/<slug>-<short id>`. */
export function filesBranch(title: string, projectId: string): string {
  return `pipewright/${projectSlug(title, projectId)}`;
}

// ── Orchestrator events (results of agent jobs, and clicks) ─────────────────────────────────────────

export const eventIds = {
  /** Something said in Slack (a message, a mention): Slack's event_id, the same on every redelivery. */
  slack: (slackEventId: string) => slackEventId,
  clarifyDone: (projectId: string, round: number) => `clarify_done.${projectId}.${round}`,
  clarifyFailed: (projectId: string, round: number) => `clarify_failed.${projectId}.${round}`,
  planDone: (projectId: string, round: number) => `plan_done.${projectId}.${round}`,
  planFailed: (projectId: string, round: number) => `plan_failed.${projectId}.${round}`,
  stageStarted: (projectId: string, stageId: string, attempt: number) =>
    `stage_started.${projectId}.${stageId}.${attempt}`,
  stageDone: (projectId: string, stageId: string, attempt: number) =>
    `stage_done.${projectId}.${stageId}.${attempt}`,
  stageFailed: (projectId: string, stageId: string, attempt: number) =>
    `stage_failed.${projectId}.${stageId}.${attempt}`,
  summaryDone: (projectId: string, round: number) => `summary_done.${projectId}.${round}`,
  summaryFailed: (projectId: string, round: number) => `summary_failed.${projectId}.${round}`,
  filesPublished: (projectId: string, round: number) => `files_published.${projectId}.${round}`,
  /** A model call refused before it was made because it would pass a budget. */
  budgetExceeded: (projectId: string, jobKey: string) => `budget_exceeded.${projectId}.${jobKey}`,
  /** `/pipewright new`: the command's trigger_id, unique per command typed. */
  command: (triggerId: string) => `command.${triggerId}`,
  /** A gate's reminder or expiry timer, one per gate round: the round in it makes a stale timer do nothing. */
  gateTimer: (
    projectId: string,
    stageId: string,
    attempt: number,
    gateRound: number,
    timer: 'reminder' | 'expiry',
  ) => `gate_${timer}.${projectId}.${stageId}.${attempt}.${gateRound}`,
  /**
   * A click: unique per click (Slack's action_ts), so two people's clicks are two events. A submitted
   * Reject modal uses its view id in place of the action_ts: the same modal submitted twice is one event.
   */
  click: (kind: 'gate' | 'forget' | 'budget', projectId: string, userId: string, actionTs: string) =>
    `${kind}.${projectId}.${userId}.${actionTs}`,
} as const;

// ── Jobs ────────────────────────────────────────────────────────────────────────────────────────────

/** BullMQ job ids may not contain ':'; our ids never do, but a Slack id must not break that rule either. */
export function safeJobId(id: string): string {
  return id.replace(/:/g, '_');
}

export const jobIds = {
  /** An orchestrator event's job: its event id, so a redelivered event is one job. */
  event: (eventId: string) => safeJobId(eventId),
  /** Model work: one job per piece of work (`agentJobKeys`). */
  agent: (projectId: string, key: string) => safeJobId(`${projectId}.${key}`),
  /** A Slack write: one job per message key and project revision it was rendered from. */
  outbox: (projectId: string, key: string, revision: number) => safeJobId(`${projectId}.${key}.r${revision}`),
  /** A notice about a step that failed for good, said once per failed job. */
  incident: (projectId: string, failedJobId: string) => safeJobId(`${projectId}.incident.${failedJobId}`),
} as const;

/** Keys of model work; each names the round or attempt, so work asked for again is a new job. */
export const agentJobKeys = {
  clarify: (round: number) => `clarify.${round}`,
  plan: (round: number) => `plan.${round}`,
  stage: (stageId: string, attempt: number) => `stage.${stageId}.${attempt}`,
  summary: (round: number) => `summary.${round}`,
} as const;

/** The key of a job's work, as the state machine named it when it asked for the work. */
export function agentJobKey(
  job:
    | { kind: 'clarify'; round: number }
    | { kind: 'plan'; round: number }
    | { kind: 'stage'; stageId: string; attempt: number }
    | { kind: 'summary'; round: number },
): string {
  switch (job.kind) {
    case 'clarify':
      return agentJobKeys.clarify(job.round);
    case 'plan':
      return agentJobKeys.plan(job.round);
    case 'stage':
      return agentJobKeys.stage(job.stageId, job.attempt);
    case 'summary':
      return agentJobKeys.summary(job.round);
    default:
      return assertNever(job);
  }
}

/** One Raise budget on a workspace hold, so a replay after a crash raises the ceiling once. */
export function raiseId(projectId: string, effectKey: string): string {
  return `${projectId}.${effectKey}`;
}

// ── Thread messages ─────────────────────────────────────────────────────────────────────────────────

/**
 * Keys of the messages a project shows in its thread. The outbox posts a key once and edits it in place
 * afterwards, so a message that must appear anew (a gate opened again) needs a key of its own.
 */
export const messageKeys = {
  /** The live status message, edited in place. */
  status: 'status',
  welcome: 'welcome',
  questions: (round: number) => `questions.${round}`,
  plan: (round: number) => `plan.${round}`,
  planFallback: (round: number) => `plan-fallback.${round}`,
  planInvalid: (round: number) => `plan-invalid.${round}`,
  clarifyFailed: (round: number) => `clarify-failed.${round}`,
  gate: (stageId: string, attempt: number, gateRound: number) => `gate.${stageId}.${attempt}.${gateRound}`,
  rejected: (stageId: string, attempt: number) => `rejected.${stageId}.${attempt}`,
  gateReminder: (stageId: string, attempt: number, gateRound: number) =>
    `gate-reminder.${stageId}.${attempt}.${gateRound}`,
  gateExpired: (stageId: string, attempt: number, gateRound: number) =>
    `gate-expired.${stageId}.${attempt}.${gateRound}`,
  /** Direct messages: to the deciders when a gate round opens; to the requester when someone else decided. */
  gateOpenedDms: (stageId: string, attempt: number, gateRound: number) =>
    `dm.gate.${stageId}.${attempt}.${gateRound}`,
  gateDecidedDm: (stageId: string, attempt: number, gateRound: number) =>
    `dm.decided.${stageId}.${attempt}.${gateRound}`,
  /** One direct message of a `direct_messages` effect: its key and the person. */
  directMessage: (effectKey: string, userId: string) => `${effectKey}.${userId}`,
  stageNote: (stageId: string, attempt: number) => `note.${stageId}.${attempt}`,
  summary: (round: number) => `summary.${round}`,
  summaryFailed: (round: number) => `summary-failed.${round}`,
  report: (round: number) => `report.${round}`,
  /** The archive of the project's files, uploaded just before the report of the same round. */
  filesArchive: (reportKey: string) => `${reportKey}.files`,
  budget: (round: number) => `budget.${round}`,
  /** An answer to one thread command or click; `eventId` is the message's or click's own id. */
  reply: (kind: string, eventId: string) => `${kind}.${eventId}`,
  forgetDone: (confirmKey: string) => `${confirmKey}.done`,
  incident: (failedJobId: string) => `incident.${failedJobId}`,
} as const;

// ── Button values ───────────────────────────────────────────────────────────────────────────────────

/**
 * What a button says it is about. Checked against the project the clicked message belongs to and the
 * round it was posted in, so a value copied from another project, workspace or earlier round does nothing.
 */
export const gateButtonSchema = z.object({
  projectId: z.string().min(1),
  stageId: z.string().min(1),
  attempt: z.number().int().min(1),
  gateRound: z.number().int().min(1),
});
export type GateButton = z.infer<typeof gateButtonSchema>;

export const forgetButtonSchema = z.object({
  projectId: z.string().min(1),
  confirmKey: z.string().min(1),
});
export type ForgetButton = z.infer<typeof forgetButtonSchema>;

export const budgetButtonSchema = z.object({
  projectId: z.string().min(1),
  round: z.number().int().min(1),
});
export type BudgetButton = z.infer<typeof budgetButtonSchema>;

export const buttonValues = {
  gate: (b: GateButton) => JSON.stringify(b),
  forget: (b: ForgetButton) => JSON.stringify(b),
  budget: (b: BudgetButton) => JSON.stringify(b),
} as const;

/**
 * What the Reject modal carries in its `private_metadata`: the gate's button value, the thread and message
 * the button was clicked on, and who opened it. All of it is checked again when the modal is submitted.
 */
export const rejectModalMetadataSchema = z.object({
  gate: gateButtonSchema,
  origin: z.object({
    teamId: z.string().min(1),
    channelId: z.string().min(1),
    threadTs: z.string().min(1),
    messageTs: z.string().optional(),
  }),
  userId: z.string().min(1),
});
export type RejectModalMetadata = z.infer<typeof rejectModalMetadataSchema>;

export const modalMetadata = {
  reject: (m: RejectModalMetadata) => JSON.stringify(m),
} as const;

/** One audit entry of one event: a replay of the event's effects writes it once. */
export function auditKey(eventId: string, action: string): string {
  return `audit.${eventId}.${action}`;
}

/** Reads a button value back; undefined when it is not one of ours (forged, truncated, from an old release). */
export function parseButtonValue<T>(schema: z.ZodType<T>, value: string | undefined): T | undefined {
  if (value === undefined) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(value);
  } catch {
    return undefined;
  }
  const parsed = schema.safeParse(data);
  return parsed.success ? parsed.data : undefined;
}
