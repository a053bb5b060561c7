import type { types } from '@slack/bolt';
import { section } from './blocks.js';
import { escapeKeepingUserMentions, escapeText, LIMITS, truncate } from './text.js';

/** A message ready for chat.postMessage / chat.update: blocks plus the plain-text fallback. */
export interface RenderedMessage {
  text: string;
  blocks: types.KnownBlock[];
  /** The same message without its table block, sent instead if Slack refuses the table (views/tables.ts). */
  withoutTables?: RenderedMessage;
}

/** Our own sentence (may name users); the fallback text strips the markup. */
export function simple(mrkdwn: string): RenderedMessage {
  const body = escapeKeepingUserMentions(mrkdwn);
  return { text: truncate(body, LIMITS.fallbackText), blocks: [section(body)] };
}

/**
 * The `text` Slack shows in notifications. It is parsed like mrkdwn, so anything that came from a model
 * or a user is escaped here too: a broadcast in the fallback would ping as surely as one in the blocks.
 */
export function plainFallback(raw: string): string {
  return truncate(escapeText(raw), LIMITS.fallbackText);
}
