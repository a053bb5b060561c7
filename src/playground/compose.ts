import type { WorkspaceChannel, WorkspaceMessage, WorkspaceUser } from './slack-api/workspace.js';

/**
 * What happens when a person types in the playground, decided without I/O: the text Slack would store
 * (`@name` becomes `<@U…>`, `&`, `<`, `>` escaped as Slack escapes them) and the events Slack would send
 * the app for that message.
 */

/** Longest message a person may send; Slack itself truncates at 40,000 characters. */
export const MAX_TYPED_CHARS = 40_000;

/** Escapes like Slack's clients do, then turns `@handle` (or `@Display name` of the bot) into a mention. */
export function slackTextOf(typed: string, users: readonly WorkspaceUser[]): string {
  const escaped = typed.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  // Longest handles first, so "@pipewright" is not read as "@pipe" followed by "wright".
  const handles = [...users].sort((a, b) => b.name.length - a.name.length);
  return escaped.replace(/(^|[\s(])@([\w.-]+)/g, (whole, before: string, handle: string) => {
    const user = handles.find((u) => u.name.toLowerCase() === handle.toLowerCase());
    return user ? `${before}<@${user.id}>` : whole;
  });
}

export type ChannelType = 'channel' | 'group' | 'im' | 'mpim';

export function channelTypeOf(channel: WorkspaceChannel): ChannelType {
  if (channel.isIm) return 'im';
  return channel.isPrivate ? 'group' : 'channel';
}

/**
 * The events Slack sends an app subscribed to `app_mention`, `message.channels`, `message.groups` and
 * `message.im` for one person's message: always the `message`, and an `app_mention` too when it mentions
 * the bot outside a DM (Slack sends no app_mention for DMs).
 */
export function eventsForMessage(
  message: WorkspaceMessage,
  channel: WorkspaceChannel,
  botUserId: string,
  userTeamId: string,
): Array<Record<string, unknown>> {
  const base: Record<string, unknown> = {
    user: message.user,
    text: message.text,
    ts: message.ts,
    channel: message.channel,
    event_ts: message.ts,
    team: userTeamId,
    user_team: userTeamId,
    source_team: userTeamId,
    blocks: [],
  };
  if (message.threadTs !== undefined) base.thread_ts = message.threadTs;
  const events: Array<Record<string, unknown>> = [
    { type: 'message', channel_type: channelTypeOf(channel), ...base },
  ];
  if (!channel.isIm && message.text.includes(`<@${botUserId}>`))
    events.push({ type: 'app_mention', ...base });
  return events;
}

/** The slash commands the playground's app has (manifest.json declares the same). */
export const SLASH_COMMANDS = ['/pipewright'] as const;

export type TypedMessage =
  | { kind: 'message' }
  | { kind: 'command'; command: string; text: string }
  | { kind: 'unknown-command'; command: string };

/** Slack reads a message that starts with `/word` as a slash command, not as a message. */
export function readTyped(typed: string): TypedMessage {
  const match = /^\s*(\/[\w-]+)(?:\s+([\s\S]*))?$/.exec(typed);
  if (!match?.[1]) return { kind: 'message' };
  const command = match[1].toLowerCase();
  if (!(SLASH_COMMANDS as readonly string[]).includes(command)) return { kind: 'unknown-command', command };
  return { kind: 'command', command, text: (match[2] ?? '').trim() };
}
