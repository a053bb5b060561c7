/**
 * The playground's Slack workspace as the page reads it: what the Slack stand-in stores in Redis
 * (channels, messages and threads with their edits, files, ephemerals, views) and a feed of changes.
 * The stand-in writes it when the bot calls the Web API; the page server writes people's own messages.
 */

export type PlaygroundRole = 'requester' | 'teammate' | 'approver' | 'bot';

export interface WorkspaceUser {
  id: string;
  /** Handle shown for mentions, e.g. "maya". */
  name: string;
  /** Display name, e.g. "Maya Chen (requester)". */
  realName: string;
  teamId: string;
  isBot: boolean;
  role: PlaygroundRole;
}

export interface WorkspaceChannel {
  id: string;
  name: string;
  isPrivate: boolean;
  isIm: boolean;
  /** DMs only: the person the bot talks to in it. */
  dmWith?: string;
}

export interface WorkspaceFile {
  id: string;
  name: string;
  title: string;
  mimetype: string;
  filetype: string;
  size: number;
  /** Who uploaded it (the bot, for files it shares). */
  user?: string;
}

export interface WorkspaceMessage {
  channel: string;
  ts: string;
  /** Set on replies (and on a parent that has replies, equal to its own ts), as Slack does. */
  threadTs?: string;
  /** The person who wrote it; bot messages carry `botId` and the bot's user id. */
  user?: string;
  botId?: string;
  text: string;
  blocks?: unknown[];
  files?: WorkspaceFile[];
  edited?: { ts: string; user: string };
  /** Top-level messages: how many replies the thread has, and when the latest came. */
  replyCount?: number;
  latestReply?: string;
  /** A deleted parent whose replies remain: Slack keeps it as "This message was deleted." */
  tombstone?: boolean;
  /** Ephemerals only: the one person who sees it. */
  ephemeralFor?: string;
  /**
   * A message the bot streamed (chat.startStream / appendStream / stopStream): what it shows so far. Its
   * `blocks` carry the same as Slack's `markdown` and `task_card` blocks; this is the structured form.
   */
  streaming?: StreamedContent;
}

/** One task card of a streamed message (a `task_update` chunk, the latest for its id). */
export interface StreamedTask {
  id: string;
  title: string;
  status: 'pending' | 'in_progress' | 'complete' | 'error';
  details?: string;
  output?: string;
}

/** What a streamed message shows: its text so far, its plan title and its task cards, in first-seen order. */
export interface StreamedContent {
  /** `streaming` until chat.stopStream (or Slack's Stop) ends it. */
  state: 'streaming' | 'stopped';
  /** `timeline`: task cards interleaved with the text; `plan`: the tasks together in one plan block. */
  displayMode: 'timeline' | 'plan';
  planTitle?: string;
  markdown: string;
  tasks: StreamedTask[];
}

/** The agent session of a thread (agents.sessions.setStatus), as the bot last set it. */
export interface AgentSession {
  channel: string;
  threadTs: string;
  status: 'active' | 'processing' | 'suspended' | 'closed';
  title?: string;
  initiator?: string;
  /** Every status the bot set, oldest first. */
  history: Array<AgentSession['status']>;
}

export interface WorkspaceViews {
  /** The Home tab the bot last published for the user (views.publish), if any, and its view id. */
  home?: unknown;
  homeId?: string;
  /** Modals open for the user (views.open / views.push / views.update), oldest first. */
  modals: Array<{ id: string; view: unknown }>;
}

export type WorkspaceChange =
  | {
      kind: 'message';
      channel: string;
      ts: string;
      threadTs?: string;
      /** What happened to the message at `ts`. */
      action?: 'posted' | 'edited' | 'deleted';
    }
  | { kind: 'ephemeral'; channel: string; user: string; threadTs?: string }
  | { kind: 'view'; user: string }
  | { kind: 'session'; channel: string; threadTs: string }
  | { kind: 'prompts'; channel: string };

/** A request the app suggests in its Messages tab: a label and the message it sends. */
export interface SuggestedPrompt {
  title: string;
  message: string;
}

export interface WorkspaceReader {
  team(): Promise<{ id: string; name: string }>;
  users(): Promise<WorkspaceUser[]>;
  channels(): Promise<WorkspaceChannel[]>;
  /** Top-level messages of a channel, oldest first (the latest `limit`, default 200). */
  history(channel: string, opts?: { limit?: number }): Promise<WorkspaceMessage[]>;
  /** The parent first, then its replies, oldest first. */
  thread(channel: string, threadTs: string): Promise<WorkspaceMessage[]>;
  /** Ephemerals shown to `user` in `channel` (top level and in threads), oldest first. */
  ephemerals(channel: string, user: string): Promise<WorkspaceMessage[]>;
  file(id: string): Promise<{ file: WorkspaceFile; content: Buffer } | undefined>;
  views(user: string): Promise<WorkspaceViews>;
  /** The thread's agent session as the bot last set it (agents.sessions.setStatus); undefined when never set. */
  agentSession(channel: string, threadTs: string): Promise<AgentSession | undefined>;
  /** What the app last suggested in this conversation (its Messages tab), oldest first. */
  suggestedPrompts(channel: string): Promise<SuggestedPrompt[]>;
  /** Calls `listener` on every change until the returned function is called. */
  subscribe(listener: (change: WorkspaceChange) => void): () => void;
}

export interface WorkspaceWriter {
  /** A person's own message, stored as Slack would before it sends the event; returns it with its ts. */
  postAsUser(input: {
    channel: string;
    user: string;
    text: string;
    threadTs?: string;
  }): Promise<WorkspaceMessage>;
  /** Closes a modal the person dismissed or submitted. */
  closeModal(user: string, viewId: string): Promise<void>;
}

export type Workspace = WorkspaceReader & WorkspaceWriter;
