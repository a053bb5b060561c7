import type {
  PlaygroundRole,
  WorkspaceChannel,
  WorkspaceMessage,
  WorkspaceReader,
  WorkspaceUser,
} from '../slack-api/workspace.js';

/**
 * What the page shows one person: the channel list, a channel's messages (with the ephemerals only they
 * see), the open thread, their Home tab and modals. Messages arrive as HTML made by the renderer on the
 * server, so the browser never interprets Slack markup itself.
 */

export interface RenderContext {
  users: Map<string, WorkspaceUser>;
  channels: Map<string, WorkspaceChannel>;
  fileUrl(id: string): string;
  botUserId: string;
}

export interface MessageRenderer {
  message(message: WorkspaceMessage, ctx: RenderContext): string;
  view(view: unknown, ctx: RenderContext, viewId?: string): string;
}

export interface RenderedMessage {
  ts: string;
  html: string;
  replyCount: number;
  latestReply?: string;
  ephemeral: boolean;
}

export interface PageState {
  team: string;
  offline: boolean;
  me: string;
  people: Array<{ id: string; label: string; role: PlaygroundRole }>;
  channels: Array<{ id: string; label: string; isIm: boolean }>;
  /** The open conversation; in the app's DM (its Messages tab), the requests the app suggests. */
  channel: { id: string; label: string; prompts?: Array<{ title: string; message: string }> };
  messages: RenderedMessage[];
  /** The open thread, and its Slack agent session as the bot set it (Slack shows Stop while processing). */
  thread?: { ts: string; messages: RenderedMessage[]; session?: { status: string; title?: string } };
  home?: string;
  modals: Array<{ id: string; html: string }>;
}

export interface PageRequest {
  me: string;
  channel?: string;
  thread?: string;
}

const ROLE_LABELS: Record<PlaygroundRole, string> = {
  requester: 'requester',
  teammate: 'teammate',
  approver: 'approver',
  bot: 'bot',
};

const ROLE_ORDER: readonly PlaygroundRole[] = ['requester', 'teammate', 'approver', 'bot'];

/** "Maya Chen (requester)": who they are and what they may do in the run. */
export function personLabel(user: WorkspaceUser): string {
  const role = ROLE_LABELS[user.role];
  return user.realName.toLowerCase().includes(role) ? user.realName : `${user.realName} (${role})`;
}

/** The channels one person sees: every channel, and only their own DM with the bot. */
export function channelsFor(me: string, channels: readonly WorkspaceChannel[]): WorkspaceChannel[] {
  return channels.filter((c) => !c.isIm || c.dmWith === me);
}

export function channelLabel(channel: WorkspaceChannel, bot: WorkspaceUser | undefined): string {
  return channel.isIm ? `${bot?.realName ?? 'Pipewright'} · Messages` : `#${channel.name}`;
}

function byTs(a: { ts: string }, b: { ts: string }): number {
  return Number(a.ts) - Number(b.ts);
}

export async function buildPageState(
  reader: WorkspaceReader,
  renderer: MessageRenderer,
  request: PageRequest,
  opts: { offline: boolean; botUserId: string; fileUrl(id: string): string },
): Promise<PageState> {
  const [team, users, allChannels] = await Promise.all([reader.team(), reader.users(), reader.channels()]);
  const visible = channelsFor(request.me, allChannels);
  const channel = visible.find((c) => c.id === request.channel) ?? visible.find((c) => !c.isIm) ?? visible[0];
  if (!channel) throw new Error('the playground workspace has no channels');
  const ctx: RenderContext = {
    users: new Map(users.map((u) => [u.id, u])),
    channels: new Map(allChannels.map((c) => [c.id, c])),
    fileUrl: opts.fileUrl,
    botUserId: opts.botUserId,
  };
  const bot = ctx.users.get(opts.botUserId);
  const [history, ephemerals, views, prompts] = await Promise.all([
    reader.history(channel.id),
    reader.ephemerals(channel.id, request.me),
    reader.views(request.me),
    channel.isIm ? reader.suggestedPrompts(channel.id) : Promise.resolve([]),
  ]);
  const render = (m: WorkspaceMessage): RenderedMessage => ({
    ts: m.ts,
    html: renderer.message(m, ctx),
    replyCount: m.replyCount ?? 0,
    ...(m.latestReply !== undefined ? { latestReply: m.latestReply } : {}),
    ephemeral: m.ephemeralFor !== undefined,
  });
  const inChannel = ephemerals.filter((e) => e.threadTs === undefined);
  const messages = [...history, ...inChannel].sort(byTs).map(render);

  let thread: PageState['thread'];
  if (request.thread) {
    const replies = await reader.thread(channel.id, request.thread);
    if (replies.length > 0) {
      const mine = ephemerals.filter((e) => e.threadTs === request.thread);
      const session = await reader.agentSession(channel.id, request.thread);
      thread = {
        ts: request.thread,
        messages: [...replies, ...mine].sort(byTs).map(render),
        ...(session
          ? { session: { status: session.status, ...(session.title ? { title: session.title } : {}) } }
          : {}),
      };
    }
  }

  return {
    team: team.name,
    offline: opts.offline,
    me: request.me,
    people: users
      .filter((u) => !u.isBot)
      .sort((a, b) => ROLE_ORDER.indexOf(a.role) - ROLE_ORDER.indexOf(b.role))
      .map((u) => ({ id: u.id, label: personLabel(u), role: u.role })),
    channels: visible.map((c) => ({ id: c.id, label: channelLabel(c, bot), isIm: c.isIm })),
    channel: {
      id: channel.id,
      label: channelLabel(channel, bot),
      ...(prompts.length > 0 ? { prompts } : {}),
    },
    messages,
    ...(thread ? { thread } : {}),
    ...(views.home !== undefined ? { home: renderer.view(views.home, ctx, views.homeId) } : {}),
    modals: views.modals.map((m) => ({ id: m.id, html: renderer.view(m.view, ctx, m.id) })),
  };
}
