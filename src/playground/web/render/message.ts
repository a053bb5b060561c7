/**
 * A whole message row (author, time, content, files, marks) and a Home tab or modal view, as the
 * playground page shows them. Thread summaries ("N replies") are the page's, not the renderer's.
 */
import type { WorkspaceFile, WorkspaceMessage } from '../../slack-api/workspace.js';
import { renderBlocks } from './blocks.js';
import type { RenderContext } from './context.js';
import { renderTextObject } from './elements.js';
import { attr, escapeHtml, safeLocalUrl } from './escape.js';
import { renderMrkdwn } from './mrkdwn.js';
import { asArray, asObject, asString } from './read.js';

/** The HTML of one message, an `<article class="pw-message">`. */
export function renderMessage(message: WorkspaceMessage, ctx: RenderContext): string {
  const authorId = message.user ?? (message.botId ? ctx.botUserId : undefined);
  const author = authorId ? ctx.users.get(authorId) : undefined;
  const isBot = message.botId !== undefined || author?.isBot === true;
  const authorName = author?.realName || author?.name || authorId || 'unknown';
  const ephemeral = message.ephemeralFor !== undefined;

  const classes = ['pw-message', isBot ? 'pw-message-bot' : '', ephemeral ? 'pw-message-ephemeral' : '']
    .filter(Boolean)
    .join(' ');
  const blocks = message.blocks ?? [];
  const content = blocks.length > 0 ? renderBlocks(blocks, ctx) : renderMrkdwn(message.text, ctx);
  const edited = message.edited ? '<span class="pw-edited">(edited)</span>' : '';
  const files = message.files && message.files.length > 0 ? renderFiles(message.files, ctx) : '';

  const meta =
    `<div class="pw-meta"><span class="pw-author">${escapeHtml(authorName)}</span>` +
    (isBot ? '<span class="pw-app-badge">APP</span>' : '') +
    renderTime(message.ts, ctx) +
    (ephemeral ? '<span class="pw-ephemeral-label">Only visible to you</span>' : '') +
    '</div>';

  return (
    `<article${attr('class', classes)}${attr('data-ts', message.ts)}${attr('data-channel', message.channel)}` +
    `${message.threadTs ? attr('data-thread-ts', message.threadTs) : ''}>` +
    `<div class="pw-avatar" aria-hidden="true">${escapeHtml(initial(authorName))}</div>` +
    `<div class="pw-message-body">${meta}<div class="pw-content">${content}${edited}</div>${files}</div>` +
    '</article>'
  );
}

function initial(name: string): string {
  return (Array.from(name.trim())[0] ?? '?').toUpperCase();
}

function renderTime(ts: string, ctx: RenderContext): string {
  const seconds = Number.parseFloat(ts);
  if (!Number.isFinite(seconds)) return '';
  const date = new Date(seconds * 1000);
  if (Number.isNaN(date.getTime())) return '';
  const shown = (ctx.formatTime ?? localHoursMinutes)(date);
  return `<time class="pw-time"${attr('datetime', date.toISOString())}>${escapeHtml(shown)}</time>`;
}

function localHoursMinutes(date: Date): string {
  return `${String(date.getHours()).padStart(2, '0')}:${String(date.getMinutes()).padStart(2, '0')}`;
}

function renderFiles(files: WorkspaceFile[], ctx: RenderContext): string {
  return `<div class="pw-files">${files.map((file) => renderFile(file, ctx)).join('')}</div>`;
}

/** A file as a download link; an image file also shows inline. */
function renderFile(file: WorkspaceFile, ctx: RenderContext): string {
  const href = safeLocalUrl(ctx.fileUrl(file.id));
  const title = file.title || file.name;
  const size = `<span class="pw-file-size">${escapeHtml(humanSize(file.size))}</span>`;
  const name = `<span class="pw-file-name">${escapeHtml(title)}</span>`;
  if (!href) return `<div class="pw-file">${name}${size}</div>`;
  const image = file.mimetype.startsWith('image/')
    ? `<img class="pw-file-image"${attr('src', href)}${attr('alt', title)} loading="lazy">`
    : '';
  return (
    `<div class="pw-file"${attr('data-file-id', file.id)}>${image}` +
    `<a class="pw-file-link"${attr('href', href)}${attr('download', file.name)}>${name}</a>${size}</div>`
  );
}

function humanSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

export interface RenderViewOptions {
  /** The stored modal id (from `WorkspaceViews.modals`), kept on the element for the page's script. */
  viewId?: string;
}

/**
 * A Home tab or modal view: title, blocks, and a modal's close and submit buttons (close reads "Cancel"
 * when the bot gave none, as in Slack; submit only when the bot gave one).
 */
export function renderView(view: unknown, ctx: RenderContext, opts: RenderViewOptions = {}): string {
  const obj = asObject(view) ?? {};
  const type = asString(obj.type) === 'modal' ? 'modal' : 'home';
  const title =
    obj.title === undefined ? '' : `<h2 class="pw-view-title">${renderTextObject(obj.title, ctx)}</h2>`;
  const blocks = `<div class="pw-view-blocks">${renderBlocks(asArray(obj.blocks), ctx)}</div>`;
  let footer = '';
  if (type === 'modal') {
    const close = obj.close === undefined ? 'Cancel' : renderTextObject(obj.close, ctx);
    const submit =
      obj.submit === undefined
        ? ''
        : `<button type="button" class="pw-button pw-button-primary" data-view-action="submit">${renderTextObject(obj.submit, ctx)}</button>`;
    footer = `<div class="pw-view-footer"><button type="button" class="pw-button" data-view-action="close">${close}</button>${submit}</div>`;
  }
  const callbackId = asString(obj.callback_id);
  return (
    `<section class="pw-view pw-view-${type}"${attr('data-view-type', type)}` +
    `${opts.viewId ? attr('data-view-id', opts.viewId) : ''}${callbackId ? attr('data-callback-id', callbackId) : ''}>` +
    `${title}${blocks}${footer}</section>`
  );
}
