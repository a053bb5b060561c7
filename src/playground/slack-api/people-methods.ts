import { type Answer, fail, ok } from './answers.js';
import { type ApiContext, str } from './context.js';

/**
 * User groups (usergroups.create / list / users.update / users.list), direct messages (conversations.open)
 * and links to messages (chat.getPermalink), answered as Slack does. User groups live in memory with the
 * stand-in (a playground restart forgets them); a DM opened with someone is stored as a channel, so the
 * page can show what the bot wrote there.
 */

interface UserGroup {
  id: string;
  name: string;
  handle: string;
  users: string[];
}

const groupsOf = new WeakMap<ApiContext, Map<string, UserGroup>>();

function groups(ctx: ApiContext): Map<string, UserGroup> {
  let known = groupsOf.get(ctx);
  if (!known) {
    known = new Map();
    groupsOf.set(ctx, known);
  }
  return known;
}

/** `users` as Slack takes it: a comma-separated string (or, from some clients, a list). */
function userList(value: unknown): string[] {
  const raw = Array.isArray(value) ? value.map(String) : typeof value === 'string' ? value.split(',') : [];
  return raw.map((u) => u.trim()).filter((u) => u !== '');
}

function shape(g: UserGroup, withUsers: boolean): Record<string, unknown> {
  return {
    id: g.id,
    name: g.name,
    handle: g.handle,
    is_usergroup: true,
    user_count: g.users.length,
    ...(withUsers ? { users: g.users } : {}),
  };
}

export function createUserGroup(ctx: ApiContext, args: Record<string, unknown>): Answer {
  const name = str(args.name);
  if (!name) return fail('invalid_name');
  const known = groups(ctx);
  const id = `S${String(known.size + 1).padStart(8, '0')}`;
  const group = { id, name, handle: str(args.handle) ?? name.toLowerCase().replace(/\s+/g, '-'), users: [] };
  known.set(id, group);
  return ok({ usergroup: shape(group, true) });
}

export function listUserGroups(ctx: ApiContext, args: Record<string, unknown>): Answer {
  const withUsers = args.include_users === true || args.include_users === 'true';
  return ok({ usergroups: [...groups(ctx).values()].map((g) => shape(g, withUsers)) });
}

export function updateUserGroupUsers(ctx: ApiContext, args: Record<string, unknown>): Answer {
  const group = groups(ctx).get(String(args.usergroup));
  if (!group) return fail('no_such_subteam');
  group.users = [...new Set(userList(args.users))];
  return ok({ usergroup: shape(group, true) });
}

export function listUserGroupUsers(ctx: ApiContext, args: Record<string, unknown>): Answer {
  const group = groups(ctx).get(String(args.usergroup));
  if (!group) return fail('no_such_subteam');
  return ok({ users: [...group.users] });
}

/** The DM with one person: the one already stored for them (the playground's seeded DMs), or a new one. */
export async function openConversation(ctx: ApiContext, args: Record<string, unknown>): Promise<Answer> {
  const users = userList(args.users);
  if (users.length === 0)
    return str(args.channel) ? ok({ channel: { id: args.channel } }) : fail('users_list_not_supplied');
  if (users.length > 1) return fail('not_supported_for_mpim_here');
  const user = users[0] as string;
  const existing = (await ctx.workspace.channels()).find((c) => c.isIm && c.dmWith === user);
  if (existing) return ok({ channel: { id: existing.id }, already_open: true });
  const id = `D${user.replace(/^[UW]/, '')}`.slice(0, 21);
  const stored = await ctx.workspace.user(user);
  await ctx.workspace.seed({
    channels: [{ id, name: stored?.name ?? user, isPrivate: true, isIm: true, dmWith: user }],
  });
  return ok({ channel: { id } });
}

export async function getPermalink(ctx: ApiContext, args: Record<string, unknown>): Promise<Answer> {
  const channel = String(args.channel);
  const ts = String(args.message_ts);
  const message = await ctx.workspace.message(channel, ts);
  if (!message || message.tombstone) return fail('message_not_found');
  const thread =
    message.threadTs && message.threadTs !== ts ? `?thread_ts=${message.threadTs}&cid=${channel}` : '';
  return ok({
    channel,
    permalink: `https://${ctx.identity.teamDomain}.slack.com/archives/${channel}/p${ts.replace('.', '')}${thread}`,
  });
}

/** The answer for one of this module's methods; undefined for any other method. */
export async function peopleMethod(
  ctx: ApiContext,
  method: string,
  args: Record<string, unknown>,
): Promise<Answer | undefined> {
  switch (method) {
    case 'usergroups.create':
      return createUserGroup(ctx, args);
    case 'usergroups.list':
      return listUserGroups(ctx, args);
    case 'usergroups.users.update':
      return updateUserGroupUsers(ctx, args);
    case 'usergroups.users.list':
      return listUserGroupUsers(ctx, args);
    case 'conversations.open':
      return openConversation(ctx, args);
    case 'chat.getPermalink':
      return getPermalink(ctx, args);
    default:
      return undefined;
  }
}
