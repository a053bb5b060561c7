import { describe, expect, it } from 'vitest';
import { renderBlocks } from '../../src/playground/web/render/index.js';
import { type HtmlElement, parseSafe, select, selectOne, textOf } from './html.js';
import { makeContext } from './render-fixtures.js';

const ctx = makeContext();
const render = (...blocks: unknown[]): HtmlElement => parseSafe(renderBlocks(blocks, ctx));
const raw = (text: string) => ({ type: 'raw_text', text });

describe('table blocks', () => {
  it('renders the header row, the cells in order, and right-aligned columns', () => {
    const root = render({
      type: 'table',
      column_settings: [{ align: 'left' }, { align: 'right' }],
      rows: [
        [raw('Stage'), raw('Cost')],
        [raw('phase1.data-engineer'), raw('$0.31')],
        [raw('total'), { type: 'raw_number', value: 2.98, text: '$2.98' }],
      ],
    });
    expect(selectOne(root, 'div.pw-block').attrs['data-block-type']).toBe('table');
    const table = selectOne(root, 'table.pw-table');
    expect(select(table, 'th').map(textOf)).toEqual(['Stage', 'Cost']);
    expect(select(selectOne(table, 'tbody'), 'tr').map((tr) => select(tr, 'td').map(textOf))).toEqual([
      ['phase1.data-engineer', '$0.31'],
      ['total', '$2.98'],
    ]);
    expect(select(table, 'td')[1]?.attrs.style).toBe('text-align:right');
    expect(select(table, 'td')[0]?.attrs.style).toBeUndefined();
  });

  it('shows cell text as text, never as markup', () => {
    const root = render({
      type: 'table',
      column_settings: [{ align: 'right" onmouseover="x' }],
      rows: [[raw('<img src=x onerror=alert(1)> & <b>bold</b>')], [raw('*not bold* <!channel>')]],
    });
    expect(select(root, 'img')).toHaveLength(0);
    expect(select(root, 'b')).toHaveLength(0);
    expect(textOf(selectOne(root, 'th'))).toBe('<img src=x onerror=alert(1)> & <b>bold</b>');
    expect(textOf(selectOne(root, 'td'))).toBe('*not bold* <!channel>');
    expect(selectOne(root, 'th').attrs.style).toBeUndefined();
  });
});
