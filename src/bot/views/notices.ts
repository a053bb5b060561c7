import type { View } from '../../domain/views.js';
import { section } from './blocks.js';
import { type RenderedMessage, simple } from './message.js';
import { escapeText, LIMITS, truncate } from './text.js';

type NoticeView = Extract<View, { type: 'notice' }>;

const TONE_ICON: Record<NoticeView['tone'], string> = {
  error: ':x:',
  warning: ':warning:',
  info: ':information_source:',
};

export function renderNotice(view: NoticeView): RenderedMessage {
  const message = simple(`${TONE_ICON[view.tone]} ${view.text}`);
  if (!view.detail) return message;
  // Whatever a model, a person or an error wrote is escaped whole: it can neither ping nor link.
  const detail = `> ${escapeText(truncate(view.detail, 1_500)).replace(/\n/g, '\n> ')}`;
  return {
    text: truncate(`${message.text} ${escapeText(view.detail)}`, LIMITS.fallbackText),
    blocks: [...message.blocks, section(detail)],
  };
}
