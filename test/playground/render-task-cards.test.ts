import { describe, expect, it } from 'vitest';
import { renderBlocks } from '../../src/playground/web/render/index.js';
import { type HtmlElement, parseSafe, select, selectOne, textOf } from './html.js';
import { makeContext } from './render-fixtures.js';

const ctx = makeContext();
const render = (...blocks: unknown[]): HtmlElement => parseSafe(renderBlocks(blocks, ctx));
const richText = (text: string) => ({
  type: 'rich_text',
  elements: [{ type: 'rich_text_section', elements: [{ type: 'text', text }] }],
});
const card = (id: string, status: string, extra: Record<string, unknown> = {}) => ({
  type: 'task_card',
  task_id: id,
  title: `${id} · data-engineer`,
  status,
  ...extra,
});

describe('task cards', () => {
  it('shows each task with an icon for its state, its title, details and output', () => {
    const root = render(
      card('phase1.data', 'complete', {
        details: richText('done in 1m 05s'),
        output: richText('Schema checked: 12 tables'),
      }),
      card('phase2.model', 'in_progress', { details: richText('running since 09:41:07 UTC') }),
      card('phase3.deploy', 'pending'),
      card('phase4.monitor', 'error', { output: richText('timed out') }),
    );
    const cards = select(root, 'div.pw-taskcard');
    expect(cards.map((c) => c.attrs['data-task-id'])).toEqual([
      'phase1.data',
      'phase2.model',
      'phase3.deploy',
      'phase4.monitor',
    ]);
    const marks = select(root, 'span.pw-taskcard-status');
    expect(marks.map((m) => m.attrs['aria-label'])).toEqual(['complete', 'in progress', 'pending', 'error']);
    expect(marks.map(textOf)).toEqual(['✅', '🔄', '⚪', '❌']);
    const [first] = cards as [HtmlElement];
    expect(textOf(selectOne(first, 'span.pw-taskcard-title'))).toBe('phase1.data · data-engineer');
    expect(textOf(selectOne(first, 'div.pw-taskcard-details'))).toBe('done in 1m 05s');
    expect(textOf(selectOne(first, 'div.pw-taskcard-output'))).toBe('Schema checked: 12 tables');
    // A task without details or output shows neither.
    expect(select(cards[2] as HtmlElement, 'div.pw-taskcard-details')).toEqual([]);
    expect(select(cards[2] as HtmlElement, 'div.pw-taskcard-output')).toEqual([]);
  });

  it('escapes what a task says (model text), in its title, details and output', () => {
    const root = render(
      card('x', 'complete', {
        title: '<img src=x onerror=alert(1)> & co',
        details: '<b>plain</b>',
        output: richText('<script>alert(1)</script> <!channel>'),
      }),
    );
    expect(select(root, 'img')).toEqual([]);
    expect(select(root, 'b')).toEqual([]);
    expect(textOf(selectOne(root, 'span.pw-taskcard-title'))).toBe('<img src=x onerror=alert(1)> & co');
    expect(textOf(selectOne(root, 'div.pw-taskcard-details'))).toBe('<b>plain</b>');
    expect(textOf(selectOne(root, 'div.pw-taskcard-output'))).toBe('<script>alert(1)</script> <!channel>');
  });

  it('shows a plan as its title over its tasks', () => {
    const root = render({
      type: 'plan',
      title: 'Status: running',
      tasks: [card('a', 'complete'), card('b', 'in_progress')],
    });
    const block = selectOne(root, 'div.pw-block');
    expect(block.attrs['data-block-type']).toBe('plan');
    expect(textOf(selectOne(root, 'div.pw-plan-title'))).toBe('Status: running');
    expect(select(root, 'div.pw-taskcard').map((c) => c.attrs['data-task-id'])).toEqual(['a', 'b']);
    expect(select(root, 'div.pw-unsupported')).toEqual([]);
  });

  it('shows an unknown task state by name rather than dropping the task', () => {
    const root = render(card('a', 'paused'));
    expect(selectOne(root, 'span.pw-taskcard-status').attrs['aria-label']).toBe('paused');
    expect(textOf(selectOne(root, 'span.pw-taskcard-title'))).toBe('a · data-engineer');
  });
});
