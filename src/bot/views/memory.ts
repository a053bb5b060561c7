import type { types } from '@slack/bolt';
import type { View } from '../../domain/views.js';
import { capBlocks, context, header, section } from './blocks.js';
import { plainFallback, type RenderedMessage } from './message.js';
import { escapeText, splitForSections, truncate } from './text.js';

type KnownBlock = types.KnownBlock;

export function renderMemory(view: Extract<View, { type: 'memory' }>): RenderedMessage {
  const c = view.counts;
  const blocks: KnownBlock[] = [
    header(`What ${view.role} remembers`),
    context(
      `${c.history} task(s) · ${c.insights} insight(s) · ${c.unreadMessages} unread message(s) · in this workspace`,
    ),
  ];
  const parts: string[] = [];
  if (view.insights.length > 0) {
    parts.push(
      `*Insights*\n${view.insights.map((i) => `• [${escapeText(i.area)}, ${i.impact}, ${i.confidence.toFixed(2)}] ${escapeText(i.insight)} _(${escapeText(i.source)})_`).join('\n')}`,
    );
  }
  if (view.history.length > 0) {
    parts.push(
      `*Recent tasks*\n${view.history.map((h) => `• ${h.outcome}: ${escapeText(truncate(h.task, 200))} _(${escapeText(h.source)})_`).join('\n')}`,
    );
  }
  if (view.collaborators.length > 0) {
    parts.push(
      `*Worked with*\n${view.collaborators.map((k) => `• ${escapeText(k.role)}: ${k.tasks} task(s), ${k.successes} successful`).join('\n')}`,
    );
  }
  if (view.messages.length > 0) {
    parts.push(
      `*Unread messages*\n${view.messages.map((m) => `• [${m.priority} ${m.type} from ${escapeText(m.from)}] ${escapeText(m.text)}`).join('\n')}`,
    );
  }
  if (parts.length === 0) parts.push('Nothing yet: this role has not worked on a project in this workspace.');
  for (const part of parts) for (const chunk of splitForSections(part)) blocks.push(section(chunk));
  return {
    text: plainFallback(`What ${view.role} remembers: ${c.insights} insight(s), ${c.history} task(s)`),
    blocks: capBlocks(blocks),
  };
}
