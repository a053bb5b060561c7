/**
 * Every Redis key the Slack stand-in writes, in one place, all under one prefix (one workspace per prefix:
 * the playground uses its own, each test stand-in a fresh one). Nothing here expires: the workspace lives
 * until `clear` (a test's reset) or until the prefix is dropped.
 */
export interface WorkspaceKeys {
  /** The prefix itself, for clearing: every key below starts with `<prefix>:`. */
  prefix: string;
  /** Hash user id → WorkspaceUser (JSON): the seeded people and the bot. */
  users: string;
  /** Hash channel id → WorkspaceChannel (JSON): the seeded channels and DMs. */
  channels: string;
  /** The last message ts handed out, in microseconds (string): ts stay unique and increasing across restarts. */
  lastTs: string;
  /** Counters for file and view ids. */
  fileSeq: string;
  viewSeq: string;
  /** A message (JSON, StoredMessage) by channel and ts: top-level messages and replies alike. */
  message(channel: string, ts: string): string;
  /** Zset of a channel's top-level message ts, scored by ts. */
  channelTop(channel: string): string;
  /** Zset of a thread's reply ts, scored by ts. */
  threadReplies(channel: string, threadTs: string): string;
  /** List of the ephemerals (JSON, StoredMessage) one user sees in a channel, oldest first. */
  ephemerals(channel: string, user: string): string;
  /** Hash of a file: `meta` (WorkspaceFile JSON, once complete), `content` (the bytes), `upload` (pending upload JSON). */
  file(fileId: string): string;
  /** A view (JSON, StoredView) by its id. */
  view(viewId: string): string;
  /** The id of the view the bot gave this `external_id`. */
  viewByExternalId(externalId: string): string;
  /** The id of the Home tab view the bot published for a user. */
  homeView(user: string): string;
  /** List of the ids of a user's open modals, bottom of the stack first. */
  modals(user: string): string;
  /** An agent session (JSON, AgentSession) by its thread: status, title, initiator (agents.sessions.setStatus). */
  agentSession(channel: string, threadTs: string): string;
  /** The prompts the app suggests in a conversation (assistant.threads.setSuggestedPrompts). */
  suggestedPrompts(channel: string): string;
}

export function workspaceKeys(prefix: string): WorkspaceKeys {
  const k = (...parts: string[]) => [prefix, ...parts].join(':');
  return {
    prefix,
    users: k('users'),
    channels: k('channels'),
    lastTs: k('seq', 'ts'),
    fileSeq: k('seq', 'file'),
    viewSeq: k('seq', 'view'),
    message: (channel, ts) => k('msg', channel, ts),
    channelTop: (channel) => k('top', channel),
    threadReplies: (channel, threadTs) => k('thread', channel, threadTs),
    ephemerals: (channel, user) => k('eph', channel, user),
    file: (fileId) => k('file', fileId),
    view: (viewId) => k('view', viewId),
    viewByExternalId: (externalId) => k('view-ext', externalId),
    homeView: (user) => k('home', user),
    modals: (user) => k('modals', user),
    agentSession: (channel, threadTs) => k('session', channel, threadTs),
    suggestedPrompts: (channel) => k('prompts', channel),
  };
}
