import type { WorkspaceChannel, WorkspaceUser } from '../../slack-api/workspace.js';

/** What the renderer needs to know about the workspace to show a message as Slack would. */
export interface RenderContext {
  /** People and bots by user id: mentions show `@name`, authors their real name. */
  users: ReadonlyMap<string, WorkspaceUser>;
  /** Channels by id: channel mentions show `#name`. */
  channels: ReadonlyMap<string, WorkspaceChannel>;
  /** Where the page serves a stored file (a same-origin path such as `/files/F123`). */
  fileUrl(id: string): string;
  /** The bot's user id: a message with `botId` and no `user` is the bot's. */
  botUserId: string;
  /** How a message time reads; defaults to the server's local `HH:MM`. */
  formatTime?: (date: Date) => string;
}

/** The part of the context that text rendering needs (mentions). */
export type MentionContext = Pick<RenderContext, 'users' | 'channels'>;
