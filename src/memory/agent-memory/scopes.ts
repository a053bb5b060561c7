import { assertNever } from '../../domain/assert-never.js';
/**
 * Memory follows Slack's visibility: where what a project learns is kept, and what a project may recall.
 */

/** Who can read a conversation (the project's `visibility`, from Slack's channel type). */
export type Visibility = 'public' | 'private';

/** Where a project lives in Slack: decides where what it learns is kept and what it may recall. */
export interface Conversation {
  teamId: string;
  channelId: string;
  visibility: Visibility;
}

/**
 * One part of a workspace's memory. `public`: learned in the workspace's public channels, for every channel
 * of the workspace. `private`: learned in one private channel or DM, for that conversation only.
 */
export type MemoryScope = { kind: 'public' } | { kind: 'private'; channelId: string };

/** Where a project's history, insights, messages and collaboration records are kept. */
export function writeScope(c: Pick<Conversation, 'channelId' | 'visibility'>): MemoryScope {
  return c.visibility === 'public' ? { kind: 'public' } : { kind: 'private', channelId: c.channelId };
}

/**
 * What a project (or `memory <role>` in its thread) may read: in a public channel the public scope only; in a
 * private channel or DM its own scope and the public one (a private conversation may use what is public).
 */
export function readScopes(c: Pick<Conversation, 'channelId' | 'visibility'>): MemoryScope[] {
  const own = writeScope(c);
  return own.kind === 'public' ? [own] : [own, { kind: 'public' }];
}

/** How a scope reads in its keys: `public`, or `private:<channel>`. */
export function scopeSegment(scope: MemoryScope): string {
  switch (scope.kind) {
    case 'public':
      return 'public';
    case 'private':
      return `private:${scope.channelId}`;
    default:
      return assertNever(scope);
  }
}
