/**
 * What the thread-message store knows about one message key (memory/thread-messages.ts, `get`): the
 * Slack ts it was shown at, the project revision it last showed, whether a post of it is under way, the
 * newest revision queued for it, and whether it went out as a reply (kept without its ts).
 */
export interface KnownMessage {
  ts?: string;
  revision: number;
  pending: boolean;
  wanted: number;
  replied: boolean;
}

/** The part of a thread-message effect the decision reads: post once, or post then edit in place. */
export interface WriteEffect {
  mode: 'post' | 'upsert';
}

/** What a look-up in the thread found for a post that was under way: its ts, or nothing. */
export interface LookedUp {
  ts?: string;
}

/** Why a write does nothing in Slack. */
export type SkipReason =
  /** A reply already in the thread. */
  | 'replied'
  /** A newer version of a message edited in place is queued behind this one: that one speaks. */
  | 'newer_queued'
  /** Already shown, or a newer version is. */
  | 'shown';

/** A decision once the thread holds no more questions. */
export type SettledWrite =
  | { action: 'skip'; reason: SkipReason }
  /** An interrupted post is in the thread: record its ts (at the revision already known), write nothing. */
  | { action: 'record'; ts: string; revision: number }
  /** Edit the message at `ts` in place (chat.update). */
  | { action: 'edit'; ts: string }
  /** Post it (chat.postMessage), in the channel's next post slot. */
  | { action: 'post' };

export type WriteDecision =
  | SettledWrite
  /** A previous attempt's answer was lost (crash, network, timeout): find that message instead of posting twice. */
  | { action: 'lookup' };

/**
 * Whether the outbox posts a thread message, edits it, leaves it, or first looks for it in the thread.
 * Pure: `known` from the thread-message store, `revision` the project revision the effect was rendered
 * from. Called again with what the look-up found (`lookedUp`), it never asks to look again.
 */
export function decideWrite(known: KnownMessage, effect: WriteEffect, revision: number): WriteDecision;
export function decideWrite(
  known: KnownMessage,
  effect: WriteEffect,
  revision: number,
  lookedUp: LookedUp,
): SettledWrite;
export function decideWrite(
  known: KnownMessage,
  effect: WriteEffect,
  revision: number,
  lookedUp?: LookedUp,
): WriteDecision {
  if (known.replied) return { action: 'skip', reason: 'replied' };
  if (effect.mode === 'upsert' && known.wanted > revision) return { action: 'skip', reason: 'newer_queued' };
  // A recorded ts wins over a pending mark: the post it marked went out and was recorded.
  if (!known.ts && known.pending && !lookedUp) return { action: 'lookup' };
  const ts = known.ts ?? lookedUp?.ts;
  if (!ts) return { action: 'post' };
  if (effect.mode === 'post' || known.revision >= revision) {
    return known.ts
      ? { action: 'skip', reason: 'shown' }
      : { action: 'record', ts, revision: known.revision };
  }
  return { action: 'edit', ts };
}
