import { context } from './blocks.js';
import type { RenderedMessage } from './message.js';
import { LIMITS, truncate } from './text.js';

/** How messages are rendered in this deployment. */
export interface RenderSettings {
  /** The offline model answers (no ANTHROPIC_API_KEY): every message says so. */
  offlineModel: boolean;
  /** Stages, states, tokens and cost as Slack table blocks (SLACK_TABLE_BLOCKS); absent: on. */
  tableBlocks?: boolean;
}

export const ONLINE: RenderSettings = { offlineModel: false };

/** The line under every message while the offline model is in use. */
export const OFFLINE_MARK =
  ':robot_face: *Offline model*: answers are made up locally, not by Claude. Set `ANTHROPIC_API_KEY` for real Claude.';

/** The same, in the plain-text fallback (notifications, and a message Slack refused the blocks of). */
export const OFFLINE_MARK_TEXT = 'Offline model: made up locally, not by Claude.';

/** A plain text with the offline mark at its end when `settings` say so, within the fallback limit. */
export function markText(text: string, settings: RenderSettings): string {
  if (!settings.offlineModel) return text;
  const room = LIMITS.fallbackText - OFFLINE_MARK_TEXT.length - 2;
  return `${truncate(text, room)}\n\n${OFFLINE_MARK_TEXT}`;
}

/**
 * The message with the offline mark when `settings` say so: a context block at the end (renderers leave
 * room for it under the 50-block limit; a longer message loses its last blocks to it), and a line at the
 * end of the fallback text.
 */
export function withOfflineMark(message: RenderedMessage, settings: RenderSettings): RenderedMessage {
  if (!settings.offlineModel) return message;
  const room = LIMITS.blocks - 1;
  const blocks = message.blocks.length > room ? message.blocks.slice(0, room) : message.blocks;
  return { text: markText(message.text, settings), blocks: [...blocks, context(OFFLINE_MARK)] };
}
