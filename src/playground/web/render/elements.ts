/**
 * Block Kit composition objects and elements: text objects, buttons, images, and a placeholder for the
 * interactive elements the playground does not run (selects, date pickers, ...).
 */
import type { RenderContext } from './context.js';
import { emojiFor } from './emoji.js';
import { attr, escapeHtml, safeImageSrc, safeLinkHref, safeLocalUrl, slackTextToHtml } from './escape.js';
import { emojiHtml, renderMrkdwnBody } from './mrkdwn.js';
import { asObject, asString, type Json, typeOf } from './read.js';

/** A text object's HTML: mrkdwn formatted, plain_text escaped (shortcodes as emoji unless `emoji: false`). */
export function renderTextObject(value: unknown, ctx: RenderContext): string {
  const obj = asObject(value);
  if (!obj) return '';
  const text = asString(obj.text) ?? '';
  if (obj.type === 'mrkdwn') return renderMrkdwnBody(text, ctx, { verbatim: obj.verbatim === true });
  return renderPlainText(text, obj.emoji !== false);
}

/** Plain text: escaped, line breaks kept, and `:shortcodes:` as emoji when `emoji` is on. */
export function renderPlainText(text: string, emoji = true): string {
  if (!emoji) return slackTextToHtml(text);
  let html = '';
  let last = 0;
  // Bounded name length keeps this linear; the pattern has no nested repetition.
  for (const match of text.matchAll(/:([a-z0-9_+'-]{1,64}):/g)) {
    const name = match[1] ?? '';
    const unicode = emojiFor(name);
    if (unicode === undefined) continue;
    const at = match.index ?? 0;
    html += slackTextToHtml(text.slice(last, at)) + emojiHtml(name, unicode);
    last = at + match[0].length;
  }
  return html + slackTextToHtml(text.slice(last));
}

/** The text of a text object as the reader sees it, without markup (accessible names, alt text). */
export function plainTextOf(value: unknown): string {
  return asString(asObject(value)?.text) ?? '';
}

const BUTTON_STYLES = new Set(['primary', 'danger']);

/**
 * A Block Kit button. Its label is its only content, so the bot's label is its accessible name; the page's
 * script reads the data attributes to post a signed `block_actions`.
 */
export function renderButton(element: Json, blockId: string, ctx: RenderContext): string {
  const style = asString(element.style);
  const styleClass = style && BUTTON_STYLES.has(style) ? ` pw-button-${style}` : '';
  const url = safeLinkHref(asString(element.url) ?? '');
  const confirm = asObject(element.confirm);
  return (
    `<button type="button" class="pw-button${styleClass}"` +
    attr('data-action-id', asString(element.action_id) ?? '') +
    attr('data-block-id', blockId) +
    attr('data-value', asString(element.value) ?? '') +
    (url ? attr('data-url', url) : '') +
    (confirm ? attr('data-confirm', plainTextOf(confirm.text) || plainTextOf(confirm.title)) : '') +
    `>${renderTextObject(element.text, ctx)}</button>`
  );
}

/** An image element (`image_url`, or a `slack_file` the page serves), or nothing when its URL is unsafe. */
export function renderImageElement(element: Json, ctx: RenderContext, className: string): string {
  const src = imageSource(element, ctx);
  const alt = asString(element.alt_text) ?? '';
  if (!src) return `<span class="pw-image-missing">${escapeHtml(alt ? `[image: ${alt}]` : '[image]')}</span>`;
  return `<img${attr('class', className)}${attr('src', src)}${attr('alt', alt)} loading="lazy">`;
}

function imageSource(element: Json, ctx: RenderContext): string | undefined {
  const direct = asString(element.image_url);
  if (direct !== undefined) return safeImageSrc(direct);
  const file = asObject(element.slack_file);
  const fileId = asString(file?.id);
  if (fileId) return safeLocalUrl(ctx.fileUrl(fileId));
  const fileUrl = asString(file?.url);
  return fileUrl ? safeImageSrc(fileUrl) : undefined;
}

/**
 * An element the playground shows but does not run: its placeholder text (if any) and its type, marked
 * disabled so nobody expects it to work.
 */
export function renderPlaceholderElement(element: unknown): string {
  const type = typeOf(element);
  const placeholder = plainTextOf(asObject(element)?.placeholder);
  const label = placeholder ? `${placeholder} (${type})` : type;
  return `<span class="pw-element-placeholder" aria-disabled="true"${attr('data-element-type', type)}>${escapeHtml(label)}</span>`;
}

/** An accessory or actions element: buttons and images render, anything else is a placeholder. */
export function renderElement(element: unknown, blockId: string, ctx: RenderContext): string {
  const obj = asObject(element);
  if (obj && obj.type === 'button') return renderButton(obj, blockId, ctx);
  if (obj && obj.type === 'image') return renderImageElement(obj, ctx, 'pw-accessory-image');
  return renderPlaceholderElement(element);
}
