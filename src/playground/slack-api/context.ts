import type { ShapeContext, StandInChannel, StandInUser } from './slack-shapes.js';
import type { SocketModeEndpoint } from './socket-mode.js';
import type { RedisWorkspace } from './store.js';

/** One request to the stand-in, as the call log keeps it (a test hook: it stays in memory). */
export interface SlackCall {
  method: string;
  args: Record<string, unknown>;
  at: number;
  response: Record<string, unknown>;
  /** HTTP status of the answer: 200, or 429 for an injected rate limit; 0 when no answer was sent (`dropAfterHandlingNext`). */
  status: number;
  /** Token the call authenticated with (header or body), kept out of `args`. */
  token: string | undefined;
}

/** What every handler works with: who the workspace is, where it is served, its store, the overrides and the log. */
export interface ApiContext extends ShapeContext {
  workspace: RedisWorkspace;
  userOverrides: Map<string, StandInUser>;
  channelOverrides: Map<string, StandInChannel>;
  socket: SocketModeEndpoint;
  record(call: Omit<SlackCall, 'at'>): void;
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function arrayOrUndefined(value: unknown): unknown[] | undefined {
  return Array.isArray(value) ? value : undefined;
}

export function flag(value: unknown): boolean {
  return value === true || value === 'true' || value === '1' || value === 1;
}
