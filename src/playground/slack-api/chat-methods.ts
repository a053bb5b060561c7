import { type Answer, fail, ok } from './answers.js';
import { type ApiContext, arrayOrUndefined, flag, str } from './context.js';
import { openConversation } from './people-methods.js';
import { slackMessage } from './slack-shapes.js';

/** chat.postMessage / update / delete / postEphemeral and conversations.history / replies, on the stored workspace. */

export async function postMessage(ctx: ApiContext, args: Record<string, unknown>): Promise<Answer> {
  const channel = await conversationOf(ctx, String(args.channel));
  const threadTs = str(args.thread_ts);
  const blocks = arrayOrUndefined(args.blocks);
  const attachments = arrayOrUndefined(args.attachments);
  const stored = await ctx.workspace.post({
    channel,
    ...(threadTs !== undefined && { threadTs }),
    user: ctx.identity.botUserId,
    botId: ctx.identity.botId,
    text: typeof args.text === 'string' ? args.text : '',
    ...(blocks !== undefined && { blocks }),
    ...(attachments !== undefined && { attachments }),
    ...(args.metadata !== undefined && { metadata: args.metadata }),
  });
  return ok({ channel, ts: stored.ts, message: slackMessage(ctx, stored) });
}

/**
 * A post to a user id lands in the app's DM with that person, as Slack does (the answer names the D…
 * channel); the DM is opened first when it does not exist yet.
 */
async function conversationOf(ctx: ApiContext, channel: string): Promise<string> {
  if (!/^[UW][A-Z0-9]+$/.test(channel)) return channel;
  const opened = await openConversation(ctx, { users: channel });
  const id = (opened.body.channel as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' ? id : channel;
}

/** Only the bot's own messages can be edited with its token, as in Slack. */
export async function updateMessage(ctx: ApiContext, args: Record<string, unknown>): Promise<Answer> {
  const channel = String(args.channel);
  const ts = String(args.ts);
  const stored = await ctx.workspace.message(channel, ts);
  if (!stored || stored.tombstone) return fail('message_not_found');
  if (stored.botId !== ctx.identity.botId) return fail('cant_update_message');
  const edited = await ctx.workspace.edit(
    channel,
    ts,
    {
      ...(typeof args.text === 'string' && { text: args.text }),
      blocks: arrayOrUndefined(args.blocks),
      attachments: arrayOrUndefined(args.attachments),
      metadata: args.metadata,
    },
    ctx.identity.botUserId,
  );
  if (!edited) return fail('message_not_found');
  return ok({ channel, ts, text: edited.text, message: slackMessage(ctx, edited) });
}

export async function deleteMessage(ctx: ApiContext, args: Record<string, unknown>): Promise<Answer> {
  const channel = String(args.channel);
  const ts = String(args.ts);
  const stored = await ctx.workspace.message(channel, ts);
  if (!stored || stored.tombstone) return fail('message_not_found');
  if (stored.botId !== ctx.identity.botId) return fail('cant_delete_message');
  await ctx.workspace.remove(channel, ts);
  return ok({ channel, ts });
}

export async function postEphemeral(ctx: ApiContext, args: Record<string, unknown>): Promise<Answer> {
  const threadTs = str(args.thread_ts);
  const blocks = arrayOrUndefined(args.blocks);
  const attachments = arrayOrUndefined(args.attachments);
  const stored = await ctx.workspace.postEphemeral({
    channel: String(args.channel),
    ephemeralFor: String(args.user),
    ...(threadTs !== undefined && { threadTs }),
    user: ctx.identity.botUserId,
    botId: ctx.identity.botId,
    text: typeof args.text === 'string' ? args.text : '',
    ...(blocks !== undefined && { blocks }),
    ...(attachments !== undefined && { attachments }),
  });
  return ok({ message_ts: stored.ts });
}

/** Newest first, as Slack pages history; metadata only when asked for. */
export async function history(ctx: ApiContext, args: Record<string, unknown>): Promise<Answer> {
  const limit = Number(args.limit ?? 100) || 100;
  const messages = await ctx.workspace.history(String(args.channel), { limit });
  const withMetadata = flag(args.include_all_metadata);
  return ok({
    messages: messages.reverse().map((m) => slackMessage(ctx, m, { withMetadata })),
    has_more: false,
    pin_count: 0,
  });
}

/** The thread's messages, parent first; metadata only when asked for, as Slack does. */
export async function replies(ctx: ApiContext, args: Record<string, unknown>): Promise<Answer> {
  const thread = await ctx.workspace.thread(String(args.channel), String(args.ts));
  const withMetadata = flag(args.include_all_metadata);
  return ok({ messages: thread.map((m) => slackMessage(ctx, m, { withMetadata })), has_more: false });
}
