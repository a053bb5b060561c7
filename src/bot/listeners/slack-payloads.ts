import { z } from 'zod';

/** The fields of Slack payloads we read, checked at the boundary; everything else passes through untouched. */

/** A file shared with a message (`files[]`). Slack Connect files may carry only an id until files.info. */
const fileSchema = z.object({
  id: z.string().optional(),
  name: z.string().optional(),
  title: z.string().optional(),
  mimetype: z.string().optional(),
  filetype: z.string().optional(),
  mode: z.string().optional(),
  size: z.number().optional(),
  url_private_download: z.string().optional(),
});

/** Who wrote a message and from which organisation: `user_team` (Slack Connect, Grid), else `team`. */
const authorFields = {
  user: z.string().min(1),
  user_team: z.string().optional(),
  team: z.string().optional(),
  source_team: z.string().optional(),
  /** Set when another app or integration wrote it. */
  bot_id: z.string().optional(),
};

export const mentionEventSchema = z.object({
  ...authorFields,
  text: z.string().max(40_000),
  ts: z.string().min(1),
  channel: z.string().min(1),
  thread_ts: z.string().optional(),
  /** Slack sends the mention again when its message is edited, stamped with `edited`. */
  edited: z.object({ user: z.string().optional(), ts: z.string().optional() }).optional(),
  files: z.array(fileSchema).optional(),
});

export const messageEventSchema = z.object({
  ...authorFields,
  text: z.string().max(40_000).default(''),
  ts: z.string().min(1),
  channel: z.string().min(1),
  channel_type: z.string().optional(),
  thread_ts: z.string().optional(),
  subtype: z.string().optional(),
  files: z.array(fileSchema).optional(),
});

/**
 * Message subtypes read like a plain message: a reply also sent to the channel, and a message with a
 * file. Everything else (edits, deletions, joins, other bots' messages…) is not someone talking to us.
 */
export const READABLE_SUBTYPES: ReadonlySet<string | undefined> = new Set([
  undefined,
  'thread_broadcast',
  'file_share',
]);

export const envelopeSchema = z.object({
  event_id: z.string().min(1),
  team_id: z.string().min(1),
  context_team_id: z.string().nullish(),
  /** One installation of the app that can see the event: ours (this app runs one installation). */
  authorizations: z.array(z.object({ team_id: z.string().nullish() })).optional(),
  is_ext_shared_channel: z.boolean().optional(),
});
export type Envelope = z.infer<typeof envelopeSchema>;

/**
 * The workspace that installed the app, which every project belongs to. In a shared (Slack Connect)
 * channel the envelope's `team_id` (and `context_team_id`) can name the other organisation; the
 * installation is `authorizations[0].team_id`, as Bolt reads it for `context.teamId`.
 */
export function installingTeamOf(envelope: Envelope): string {
  return envelope.authorizations?.[0]?.team_id ?? envelope.context_team_id ?? envelope.team_id;
}

/** The writer's own workspace, as the event states it (undefined when it names none). */
export function authorTeamOf(event: { user_team?: string | undefined; team?: string | undefined }) {
  return event.user_team ?? event.team;
}

export const blockActionSchema = z.object({
  /** The clicker; `team_id` is the clicker's own workspace (the other organisation's in a shared channel). */
  user: z.object({ id: z.string().min(1), team_id: z.string().optional() }),
  /** The workspace of the app whose message carried the button: the installation. Null for org-wide installs. */
  team: z.object({ id: z.string() }).nullish(),
  channel: z.object({ id: z.string() }).optional(),
  container: z
    .object({
      channel_id: z.string().optional(),
      thread_ts: z.string().optional(),
      message_ts: z.string().optional(),
    })
    .optional(),
  message: z.object({ ts: z.string().optional(), thread_ts: z.string().optional() }).optional(),
  actions: z
    .array(z.object({ action_id: z.string(), value: z.string().max(2000), action_ts: z.string().optional() }))
    .min(1),
});
export type BlockAction = z.infer<typeof blockActionSchema>;
