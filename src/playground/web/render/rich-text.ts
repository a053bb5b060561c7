/**
 * The `rich_text` block: sections, bullet and ordered lists with indentation, preformatted text and
 * quotes, made of styled text, links, mentions, emoji and broadcasts. Rich text is raw text (no Slack
 * entities), so it is escaped as it is.
 */
import type { MentionContext } from './context.js';
import { emojiFor, emojiFromCodePoints } from './emoji.js';
import { escapeHtml, safeLinkHref } from './escape.js';
import { broadcast, channelMention, emojiHtml, link, userMention } from './mrkdwn.js';
import { asArray, asNumber, asObject, asString, type Json, typeOf } from './read.js';

export function renderRichText(block: Json, ctx: MentionContext): string {
  const parts = asArray(block.elements).map((element) => richTextContainer(element, ctx));
  return `<div class="pw-rich-text">${parts.join('')}</div>`;
}

function richTextContainer(element: unknown, ctx: MentionContext): string {
  const obj = asObject(element) ?? {};
  const type = typeOf(element);
  switch (type) {
    case 'rich_text_section':
      return `<div class="pw-rt-section">${inlineElements(obj, ctx)}</div>`;
    case 'rich_text_preformatted':
      return `<pre class="pw-pre"><code>${inlineElements(obj, ctx)}</code></pre>`;
    case 'rich_text_quote':
      return `<blockquote class="pw-quote">${inlineElements(obj, ctx)}</blockquote>`;
    case 'rich_text_list': {
      const ordered = asString(obj.style) === 'ordered';
      const indent = Math.max(0, Math.min(8, asNumber(obj.indent) ?? 0));
      const offset = asNumber(obj.offset) ?? 0;
      const tag = ordered ? 'ol' : 'ul';
      const start = ordered && offset > 0 ? ` start="${Math.floor(offset) + 1}"` : '';
      const border = asNumber(obj.border) === 1 ? ' pw-rt-border' : '';
      const items = asArray(obj.elements).map(
        (item) => `<li>${inlineElements(asObject(item) ?? {}, ctx)}</li>`,
      );
      return `<${tag} class="pw-list pw-rt-list pw-indent-${indent}${border}"${start}>${items.join('')}</${tag}>`;
    }
    default:
      return `<div class="pw-unsupported">unsupported rich text: ${escapeHtml(type)}</div>`;
  }
}

function inlineElements(container: Json, ctx: MentionContext): string {
  return asArray(container.elements)
    .map((element) => inlineElement(element, ctx))
    .join('');
}

function inlineElement(element: unknown, ctx: MentionContext): string {
  const obj = asObject(element) ?? {};
  const type = typeOf(element);
  switch (type) {
    case 'text':
      return styled(escapeHtml(asString(obj.text) ?? ''), obj.style);
    case 'link': {
      const url = asString(obj.url) ?? '';
      const label = escapeHtml(asString(obj.text) || url);
      const href = safeLinkHref(url);
      return styled(href ? link(href, label) : label, obj.style);
    }
    case 'user':
      return styled(userMention(asString(obj.user_id) ?? '', ctx), obj.style);
    case 'usergroup':
      return styled(
        `<span class="pw-mention">@${escapeHtml(asString(obj.usergroup_id) ?? '')}</span>`,
        obj.style,
      );
    case 'channel':
      return styled(channelMention(asString(obj.channel_id) ?? '', ctx), obj.style);
    case 'broadcast':
      return styled(broadcast(asString(obj.range) ?? 'here'), obj.style);
    case 'emoji': {
      const name = asString(obj.name) ?? '';
      const emoji = emojiFromCodePoints(asString(obj.unicode) ?? '') ?? emojiFor(name);
      return emoji ? emojiHtml(name, emoji) : escapeHtml(`:${name}:`);
    }
    case 'date': {
      const fallback = asString(obj.fallback);
      const timestamp = asNumber(obj.timestamp);
      const shown = fallback ?? (timestamp !== undefined ? new Date(timestamp * 1000).toISOString() : '');
      return styled(escapeHtml(shown), obj.style);
    }
    case 'color':
      return styled(escapeHtml(asString(obj.value) ?? ''), obj.style);
    case 'team':
      return styled(escapeHtml(asString(obj.team_id) ?? ''), obj.style);
    default:
      return `<span class="pw-unsupported">[${escapeHtml(type)}]</span>`;
  }
}

/** Wraps HTML in the tags a rich-text `style` asks for, innermost code, outermost bold. */
function styled(html: string, style: unknown): string {
  const s = asObject(style);
  if (!s) return html;
  let out = html;
  if (s.code === true) out = `<code class="pw-code">${out}</code>`;
  if (s.strike === true) out = `<s>${out}</s>`;
  if (s.italic === true) out = `<em>${out}</em>`;
  if (s.bold === true) out = `<strong>${out}</strong>`;
  return out;
}
