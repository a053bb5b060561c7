/**
 * Slack's task cards and plan (what a streamed message shows with `task_update` / `plan_update` chunks):
 * each task a row with a status icon, its title, details and output; a plan is its title over its tasks.
 */
import type { RenderContext } from './context.js';
import { attr, escapeHtml } from './escape.js';
import { asArray, asObject, asString, type Json } from './read.js';
import { renderRichText } from './rich-text.js';

const TASK_STATUS: Record<string, { icon: string; label: string }> = {
  pending: { icon: '⚪', label: 'pending' },
  in_progress: { icon: '🔄', label: 'in progress' },
  complete: { icon: '✅', label: 'complete' },
  error: { icon: '❌', label: 'error' },
};

export function taskCardBlock(block: Json, ctx: RenderContext): string {
  const state = asString(block.status) ?? 'pending';
  const { icon, label } = TASK_STATUS[state] ?? { icon: '⚪', label: state };
  const mark = `<span class="pw-taskcard-status"${attr('data-status', state)}${attr('title', label)}${attr('aria-label', label)}>${icon}</span>`;
  const title = `<span class="pw-taskcard-title">${escapeHtml(asString(block.title) ?? '')}</span>`;
  const details = taskPart(block.details, 'pw-taskcard-details', ctx);
  const output = taskPart(block.output, 'pw-taskcard-output', ctx);
  return `<div class="pw-taskcard"${attr('data-task-id', asString(block.task_id) ?? '')}><div class="pw-taskcard-head">${mark}${title}</div>${details}${output}</div>`;
}

/** A plan block: its title, then its tasks (task cards without their own block wrapper). */
export function planBlock(block: Json, ctx: RenderContext): string {
  const title = `<div class="pw-plan-title">${escapeHtml(asString(block.title) ?? '')}</div>`;
  const tasks = asArray(block.tasks)
    .map((task) => taskCardBlock(asObject(task) ?? {}, ctx))
    .join('');
  return `${title}<div class="pw-plan-tasks">${tasks}</div>`;
}

/** `details` and `output` are rich text in a block (a plain string in a chunk: both are accepted). */
function taskPart(value: unknown, className: string, ctx: RenderContext): string {
  if (value === undefined) return '';
  const text = asString(value);
  const inner = text !== undefined ? escapeHtml(text) : renderRichText(asObject(value) ?? {}, ctx);
  return `<div${attr('class', className)}>${inner}</div>`;
}
