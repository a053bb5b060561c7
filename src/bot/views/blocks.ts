import type { types } from '@slack/bolt';
import { LIMITS, truncate } from './text.js';

type KnownBlock = types.KnownBlock;

/** Small builders that enforce Slack's limits, so no renderer can produce a block Slack refuses. */
/** Plain text is never parsed for mentions, but we keep angle brackets out of it all the same. */
export function header(text: string): KnownBlock {
  const plain = text.replace(/</g, '‹').replace(/>/g, '›');
  return {
    type: 'header',
    text: { type: 'plain_text', text: truncate(plain, LIMITS.headerText) || ' ', emoji: true },
  };
}

export function section(mrkdwn: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(mrkdwn, LIMITS.sectionText) || ' ' } };
}

export function context(mrkdwn: string): KnownBlock {
  return {
    type: 'context',
    elements: [{ type: 'mrkdwn', text: truncate(mrkdwn, LIMITS.contextText) || ' ' }],
  };
}

export function divider(): KnownBlock {
  return { type: 'divider' };
}

export function button(opts: {
  text: string;
  actionId: string;
  value: string;
  style?: 'primary' | 'danger';
}): Extract<KnownBlock, { type: 'actions' }>['elements'][number] {
  if (opts.value.length > LIMITS.buttonValue)
    throw new Error(`button value over ${LIMITS.buttonValue} characters`);
  if (opts.actionId.length > LIMITS.actionId) throw new Error(`action_id over ${LIMITS.actionId} characters`);
  return {
    type: 'button',
    text: { type: 'plain_text', text: truncate(opts.text, LIMITS.buttonText), emoji: true },
    action_id: opts.actionId,
    value: opts.value,
    ...(opts.style ? { style: opts.style } : {}),
  };
}

/** Blocks every message keeps free for a footer line (the offline mark, views/offline.ts). */
export const FOOTER_BLOCKS = 1;

/**
 * Keeps at most `max` blocks (50 less the footer's room); when it must drop some, the last block says how
 * many were left out.
 */
export function capBlocks(blocks: KnownBlock[], max: number = LIMITS.blocks - FOOTER_BLOCKS): KnownBlock[] {
  if (blocks.length <= max) return blocks;
  const kept = blocks.slice(0, max - 1);
  kept.push(context(`…and ${blocks.length - kept.length} more (see \`status\`).`));
  return kept;
}
