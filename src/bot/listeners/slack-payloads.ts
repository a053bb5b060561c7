import { z } from 'zod';

/** The fields of Slack payloads we read, checked at the boundary; everything else passes through untouched. */
export const mentionEventSchema = z.object({
  user: z.string().min(1),
  text: z.string().max(40_000),
  ts: z.string().min(1),
  channel: z.string().min(1),
  thread_ts: z.string().optional(),
});

export const messageEventSchema = z.object({
  user: z.string().min(1),
  text: z.string().max(40_000).default(''),
  ts: z.string().min(1),
  channel: z.string().min(1),
  channel_type: z.string().optional(),
  thread_ts: z.string().optional(),
  subtype: z.string().optional(),
  bot_id: z.string().optional(),
});

export const envelopeSchema = z.object({
  event_id: z.string().min(1),
  team_id: z.string().min(1),
});

export const blockActionSchema = z.object({
  user: z.object({ id: z.string().min(1), team_id: z.string().optional() }),
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
