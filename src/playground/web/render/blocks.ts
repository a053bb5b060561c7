/**
 * Block Kit blocks to HTML. Every block becomes one `pw-block` element carrying its type; a type the
 * playground does not draw says so in a small note instead of vanishing.
 */
import type { RenderContext } from './context.js';
import { renderElement, renderImageElement, renderPlaceholderElement, renderTextObject } from './elements.js';
import { attr, escapeHtml, safeLocalUrl } from './escape.js';
import { renderMarkdown } from './markdown.js';
import { asArray, asObject, asString, type Json, typeOf } from './read.js';
import { renderRichText } from './rich-text.js';
import { planBlock, taskCardBlock } from './task-cards.js';

/** The blocks of a message or view, in order. */
export function renderBlocks(blocks: readonly unknown[], ctx: RenderContext): string {
  return blocks.map((block) => renderBlock(block, ctx)).join('');
}

const KNOWN_BLOCKS = [
  'section',
  'header',
  'context',
  'divider',
  'actions',
  'image',
  'rich_text',
  'markdown',
  'file',
  'input',
  'table',
  'task_card',
  'plan',
] as const;
type KnownBlockType = (typeof KNOWN_BLOCKS)[number];

function isKnown(type: string): type is KnownBlockType {
  return (KNOWN_BLOCKS as readonly string[]).includes(type);
}

export function renderBlock(block: unknown, ctx: RenderContext): string {
  const obj = asObject(block);
  const type = typeOf(block);
  if (!obj || !isKnown(type)) return unsupported(type);
  const blockId = asString(obj.block_id) ?? '';
  const inner = blockBody(type, obj, blockId, ctx);
  return `<div class="pw-block pw-block-${type}"${attr('data-block-type', type)}${blockId ? attr('data-block-id', blockId) : ''}>${inner}</div>`;
}

function blockBody(type: KnownBlockType, block: Json, blockId: string, ctx: RenderContext): string {
  switch (type) {
    case 'section':
      return section(block, blockId, ctx);
    case 'header':
      return `<h3 class="pw-header-text">${renderTextObject(block.text, ctx)}</h3>`;
    case 'context':
      return asArray(block.elements)
        .map((element) =>
          typeOf(element) === 'image'
            ? renderImageElement(asObject(element) ?? {}, ctx, 'pw-context-image')
            : `<span class="pw-context-text">${renderTextObject(element, ctx)}</span>`,
        )
        .join('');
    case 'divider':
      return '<hr class="pw-divider">';
    case 'actions':
      return `<div class="pw-actions-row">${asArray(block.elements)
        .map((element) => renderElement(element, blockId, ctx))
        .join('')}</div>`;
    case 'image':
      return imageBlock(block, ctx);
    case 'rich_text':
      return renderRichText(block, ctx);
    case 'markdown':
      return renderMarkdown(asString(block.text) ?? '');
    case 'file':
      return fileBlock(block, ctx);
    case 'input':
      return inputBlock(block, ctx);
    case 'table':
      return tableBlock(block, ctx);
    case 'task_card':
      return taskCardBlock(block, ctx);
    case 'plan':
      return planBlock(block, ctx);
  }
}

/** Slack's table block: the first row is the header; cells are raw text, raw numbers or rich text. */
function tableBlock(block: Json, ctx: RenderContext): string {
  const align = asArray(block.column_settings).map((s) => asString(asObject(s)?.align));
  const rows = asArray(block.rows).map((row, r) =>
    asArray(row)
      .map((cell, c) => {
        const tag = r === 0 ? 'th' : 'td';
        const a = align[c];
        const alignAttr = a === 'right' || a === 'center' ? attr('style', `text-align:${a}`) : '';
        return `<${tag}${alignAttr}>${tableCell(cell, ctx)}</${tag}>`;
      })
      .join(''),
  );
  const [head, ...body] = rows;
  return `<table class="pw-table">${head === undefined ? '' : `<thead><tr>${head}</tr></thead>`}<tbody>${body
    .map((row) => `<tr>${row}</tr>`)
    .join('')}</tbody></table>`;
}

function tableCell(cell: unknown, ctx: RenderContext): string {
  const obj = asObject(cell) ?? {};
  switch (typeOf(cell)) {
    case 'rich_text':
      return renderRichText(obj, ctx);
    case 'raw_number':
      return escapeHtml(asString(obj.text) ?? String(obj.value ?? ''));
    default:
      return escapeHtml(asString(obj.text) ?? '');
  }
}

function section(block: Json, blockId: string, ctx: RenderContext): string {
  const text =
    block.text === undefined ? '' : `<div class="pw-section-text">${renderTextObject(block.text, ctx)}</div>`;
  const fields = asArray(block.fields);
  const grid =
    fields.length === 0
      ? ''
      : `<div class="pw-fields">${fields
          .map((field) => `<div class="pw-field">${renderTextObject(field, ctx)}</div>`)
          .join('')}</div>`;
  const accessory =
    block.accessory === undefined
      ? ''
      : `<div class="pw-accessory">${renderElement(block.accessory, blockId, ctx)}</div>`;
  return `<div class="pw-section-main">${text}${grid}</div>${accessory}`;
}

function imageBlock(block: Json, ctx: RenderContext): string {
  const title =
    block.title === undefined
      ? ''
      : `<div class="pw-image-title">${renderTextObject(block.title, ctx)}</div>`;
  return `<figure class="pw-figure">${title}${renderImageElement(block, ctx, 'pw-image')}</figure>`;
}

function fileBlock(block: Json, ctx: RenderContext): string {
  const externalId = asString(block.external_id) ?? '';
  const fileId = asString(block.file_id);
  const href = fileId ? safeLocalUrl(ctx.fileUrl(fileId)) : undefined;
  const label = escapeHtml(`📄 ${externalId || fileId || 'file'}`);
  return href
    ? `<a class="pw-file-link"${attr('href', href)} download>${label}</a>`
    : `<span class="pw-file-link">${label}</span>`;
}

/**
 * Modal inputs. A plain text input becomes a real control (the page submits it as `view_submission`
 * state: `values[block_id][action_id]`); other elements show as disabled stand-ins.
 */
function inputBlock(block: Json, ctx: RenderContext): string {
  const hint =
    block.hint === undefined ? '' : `<div class="pw-input-hint">${renderTextObject(block.hint, ctx)}</div>`;
  const element = asObject(block.element);
  const blockId = asString(block.block_id);
  const actionId = asString(element?.action_id);
  if (!element || typeOf(element) !== 'plain_text_input' || !blockId || !actionId) {
    const label = `<div class="pw-input-label">${renderTextObject(block.label, ctx)}</div>`;
    return `${label}${renderPlaceholderElement(block.element)}${hint}`;
  }
  const initial = asString(element.initial_value) ?? '';
  const maxLength =
    typeof element.max_length === 'number' ? attr('maxlength', String(element.max_length)) : '';
  const required = block.optional === true ? '' : ' required';
  const hintText = asString(asObject(element.placeholder)?.text);
  const placeholder = hintText ? attr('placeholder', hintText) : '';
  const ids = `${attr('data-input-block-id', blockId)}${attr('data-input-action-id', actionId)}${maxLength}${placeholder}${required}`;
  const control =
    element.multiline === true
      ? `<textarea class="pw-input-control" rows="4"${ids}>${escapeHtml(initial)}</textarea>`
      : `<input type="text" class="pw-input-control"${attr('value', initial)}${ids}>`;
  return (
    `<div class="pw-block pw-input"${attr('data-block-id', blockId)}>` +
    `<label class="pw-input-label">${renderTextObject(block.label, ctx)}${control}</label>${hint}` +
    `<div class="pw-input-error" role="alert"${attr('data-error-for', blockId)}></div></div>`
  );
}

function unsupported(type: string): string {
  return `<div class="pw-block pw-unsupported"${attr('data-block-type', type)}>unsupported block: ${escapeHtml(type)}</div>`;
}
