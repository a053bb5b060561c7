import { describe, expect, it } from 'vitest';
import { renderBlocks } from '../../src/playground/web/render/index.js';
import { type HtmlElement, parseSafe, select, selectOne, textOf } from './html.js';
import { makeContext } from './render-fixtures.js';

const ctx = makeContext();
const render = (...blocks: unknown[]): HtmlElement => parseSafe(renderBlocks(blocks, ctx));
const mrkdwn = (text: string) => ({ type: 'mrkdwn', text });
const plain = (text: string, emoji?: boolean) => ({
  type: 'plain_text',
  text,
  ...(emoji === undefined ? {} : { emoji }),
});
const button = (text: string, extra: Record<string, unknown> = {}) => ({
  type: 'button',
  text: plain(text),
  action_id: `act_${text.toLowerCase()}`,
  value: `val-${text}`,
  ...extra,
});

describe('section blocks', () => {
  it('renders mrkdwn text, fields in a two-column grid and a button accessory', () => {
    const root = render({
      type: 'section',
      block_id: 'plan',
      text: mrkdwn('*Plan* for <@U0MAYA>'),
      fields: [mrkdwn('*Stage*\nData'), mrkdwn('*State*\n:white_check_mark: done')],
      accessory: button('Open', { style: 'primary' }),
    });
    const block = selectOne(root, 'div.pw-block');
    expect(block.attrs['data-block-type']).toBe('section');
    expect(textOf(selectOne(root, 'div.pw-section-text'))).toBe('Plan for @maya');
    expect(select(selectOne(root, 'div.pw-fields'), 'div.pw-field').map(textOf)).toEqual([
      'Stage\nData',
      'State\n✅ done',
    ]);
    const accessory = selectOne(root, 'button');
    expect(textOf(accessory)).toBe('Open');
    expect(accessory.attrs).toMatchObject({ 'data-block-id': 'plan', 'data-action-id': 'act_open' });
  });

  it('renders an image accessory and a placeholder for an element it does not run', () => {
    const withImage = render({
      type: 'section',
      text: plain('chart'),
      accessory: { type: 'image', image_url: 'https://example.com/c.png', alt_text: 'a chart' },
    });
    expect(selectOne(withImage, 'img').attrs).toMatchObject({
      src: 'https://example.com/c.png',
      alt: 'a chart',
    });
    const withSelect = render({
      type: 'section',
      text: plain('pick'),
      accessory: { type: 'static_select', placeholder: plain('Choose a stage'), action_id: 's' },
    });
    const placeholder = selectOne(withSelect, 'span.pw-element-placeholder');
    expect(textOf(placeholder)).toBe('Choose a stage (static_select)');
    expect(placeholder.attrs['aria-disabled']).toBe('true');
    expect(select(withSelect, 'button')).toHaveLength(0);
  });
});

describe('header, context, divider, image', () => {
  it('renders a header as a heading with emoji converted', () => {
    const root = render({ type: 'header', text: plain(':rocket: Launch <plan>') });
    expect(textOf(selectOne(root, 'h3'))).toBe('🚀 Launch <plan>');
  });

  it('keeps shortcodes as text in plain_text with emoji: false', () => {
    expect(textOf(render({ type: 'header', text: plain(':rocket: Launch', false) }))).toBe(':rocket: Launch');
  });

  it('renders context text and images small, in a row', () => {
    const root = render({
      type: 'context',
      elements: [
        { type: 'image', image_url: 'https://example.com/i.png', alt_text: 'icon' },
        mrkdwn('Offline model · _cost_ $0.00'),
        plain('step 2 of 5'),
      ],
    });
    expect(selectOne(root, 'img.pw-context-image').attrs.alt).toBe('icon');
    expect(select(root, 'span.pw-context-text').map(textOf)).toEqual([
      'Offline model · cost $0.00',
      'step 2 of 5',
    ]);
  });

  it('renders a divider as a rule', () => {
    expect(select(render({ type: 'divider' }), 'hr')).toHaveLength(1);
  });

  it('renders an image block with its title and alt text', () => {
    const root = render({
      type: 'image',
      image_url: 'https://example.com/loss.png',
      alt_text: 'loss curve',
      title: plain('Training loss'),
    });
    expect(textOf(selectOne(root, 'div.pw-image-title'))).toBe('Training loss');
    expect(selectOne(root, 'img.pw-image').attrs).toMatchObject({
      src: 'https://example.com/loss.png',
      alt: 'loss curve',
    });
  });

  it('serves a slack_file image through the page and accepts safe data: images only', () => {
    const fromFile = render({ type: 'image', slack_file: { id: 'F0CHART' }, alt_text: 'c' });
    expect(selectOne(fromFile, 'img').attrs.src).toBe('/files/F0CHART');
    const png = render({ type: 'image', image_url: 'data:image/png;base64,iVBORw0KGgo=', alt_text: 'dot' });
    expect(selectOne(png, 'img').attrs.src).toBe('data:image/png;base64,iVBORw0KGgo=');
    for (const bad of [
      'javascript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'data:image/svg+xml,<svg/onload=alert(1)>',
    ]) {
      const root = render({ type: 'image', image_url: bad, alt_text: 'x' });
      expect(select(root, 'img')).toHaveLength(0);
      expect(textOf(root)).toBe('[image: x]');
    }
  });
});

describe('actions blocks and buttons', () => {
  it('renders buttons with styles, their labels as names and data for the page script', () => {
    const root = render({
      type: 'actions',
      block_id: 'gate_1',
      elements: [
        button('Approve', { style: 'primary' }),
        button('Reject', { style: 'danger' }),
        button('Details'),
        { type: 'datepicker', action_id: 'd' },
      ],
    });
    const buttons = select(root, 'button');
    expect(buttons.map(textOf)).toEqual(['Approve', 'Reject', 'Details']);
    expect(buttons.map((b) => b.attrs.class)).toEqual([
      'pw-button pw-button-primary',
      'pw-button pw-button-danger',
      'pw-button',
    ]);
    expect(buttons[0]?.attrs).toEqual({
      type: 'button',
      class: 'pw-button pw-button-primary',
      'data-action-id': 'act_approve',
      'data-block-id': 'gate_1',
      'data-value': 'val-Approve',
    });
    expect(textOf(selectOne(root, 'span.pw-element-placeholder'))).toBe('datepicker');
  });

  it('keeps hostile values inside their attributes and ignores unknown styles', () => {
    const root = render({
      type: 'actions',
      block_id: '"><script>x</script>',
      elements: [
        {
          type: 'button',
          text: plain('<b>Go</b>'),
          action_id: "a' onclick='alert(1)",
          value: '"><img src=x onerror=alert(1)>',
          style: 'primary" onclick="x',
          url: 'javascript:alert(1)',
        },
      ],
    });
    const b = selectOne(root, 'button');
    expect(textOf(b)).toBe('<b>Go</b>');
    expect(b.attrs).toEqual({
      type: 'button',
      class: 'pw-button',
      'data-action-id': "a' onclick='alert(1)",
      'data-block-id': '"><script>x</script>',
      'data-value': '"><img src=x onerror=alert(1)>',
    });
  });

  it('carries a safe button url and a confirm text for the page script', () => {
    const b = selectOne(
      render({
        type: 'actions',
        elements: [
          button('Docs', {
            url: 'https://example.com/docs',
            confirm: { title: plain('Sure?'), text: plain('Really?') },
          }),
        ],
      }),
      'button',
    );
    expect(b.attrs['data-url']).toBe('https://example.com/docs');
    expect(b.attrs['data-confirm']).toBe('Really?');
  });
});

describe('rich_text blocks', () => {
  const text = (t: string, style?: Record<string, boolean>) => ({
    type: 'text',
    text: t,
    ...(style ? { style } : {}),
  });

  it('renders a section with styled text, links, mentions, emoji and broadcasts', () => {
    const root = render({
      type: 'rich_text',
      elements: [
        {
          type: 'rich_text_section',
          elements: [
            text('bold', { bold: true }),
            text(' '),
            text('it', { italic: true }),
            text(' '),
            text('gone', { strike: true }),
            text(' '),
            text('x = 1', { code: true }),
            text(' '),
            { type: 'link', url: 'https://example.com', text: 'site' },
            text(' '),
            { type: 'link', url: 'javascript:alert(1)', text: 'evil' },
            text(' '),
            { type: 'user', user_id: 'U0MAYA' },
            text(' '),
            { type: 'channel', channel_id: 'C0GENERAL' },
            text(' '),
            { type: 'emoji', name: 'rocket', unicode: '1f680' },
            { type: 'emoji', name: 'tada' },
            { type: 'emoji', name: 'custom_parrot' },
            text(' '),
            { type: 'broadcast', range: 'channel' },
          ],
        },
      ],
    });
    expect(textOf(root)).toBe('bold it gone x = 1 site evil @maya #general 🚀🎉:custom_parrot: @channel');
    expect(textOf(selectOne(root, 'strong'))).toBe('bold');
    expect(textOf(selectOne(root, 'em'))).toBe('it');
    expect(textOf(selectOne(root, 's'))).toBe('gone');
    expect(textOf(selectOne(root, 'code'))).toBe('x = 1');
    expect(select(root, 'a').map((a) => a.attrs.href)).toEqual(['https://example.com']);
  });

  it('renders bullet and ordered lists with indent and offset', () => {
    const item = (t: string) => ({ type: 'rich_text_section', elements: [text(t)] });
    const root = render({
      type: 'rich_text',
      elements: [
        { type: 'rich_text_list', style: 'bullet', indent: 0, elements: [item('a'), item('b')] },
        { type: 'rich_text_list', style: 'bullet', indent: 1, elements: [item('a.1')] },
        { type: 'rich_text_list', style: 'ordered', indent: 0, offset: 2, elements: [item('third')] },
      ],
    });
    const uls = select(root, 'ul');
    expect(uls.map((ul) => select(ul, 'li').map(textOf))).toEqual([['a', 'b'], ['a.1']]);
    expect(uls[1]?.attrs.class).toContain('pw-indent-1');
    const ol = selectOne(root, 'ol');
    expect(ol.attrs.start).toBe('3');
    expect(textOf(ol)).toBe('third');
  });

  it('renders preformatted text and quotes, escaping what is inside', () => {
    const root = render({
      type: 'rich_text',
      elements: [
        { type: 'rich_text_preformatted', elements: [text('<script>\n  run()\n</script>')] },
        { type: 'rich_text_quote', elements: [text('quoted '), text('words', { bold: true })] },
      ],
    });
    expect(textOf(selectOne(root, 'pre'))).toBe('<script>\n  run()\n</script>');
    expect(textOf(selectOne(root, 'blockquote'))).toBe('quoted words');
  });
});

describe('markdown blocks', () => {
  const md = (text: string) => render({ type: 'markdown', text });

  it('renders headings, paragraphs, bold, italic, strike, code and links', () => {
    const root = md(
      '# Report\n## Data\nSome **bold**, *italic*, _also_, ~~gone~~, `code` and [docs](https://example.com).',
    );
    expect(textOf(selectOne(root, 'h1'))).toBe('Report');
    expect(textOf(selectOne(root, 'h2'))).toBe('Data');
    expect(textOf(selectOne(root, 'p'))).toBe('Some bold, italic, also, gone, code and docs.');
    expect(select(root, 'strong').map(textOf)).toEqual(['bold']);
    expect(select(root, 'em').map(textOf)).toEqual(['italic', 'also']);
    expect(textOf(selectOne(root, 's'))).toBe('gone');
    expect(selectOne(root, 'a').attrs).toMatchObject({
      href: 'https://example.com',
      rel: 'noopener noreferrer',
    });
  });

  it('renders nested and ordered lists and task lists', () => {
    const root = md('- one\n  - one.a\n- two\n\n3. third\n4. fourth\n\n- [x] done\n- [ ] to do');
    const outer = select(root, 'ul')[0] as HtmlElement;
    expect(textOf(outer)).toBe('oneone.atwo');
    expect(select(outer, 'ul').map(textOf)).toEqual(['one.a']);
    const ol = selectOne(root, 'ol');
    expect(ol.attrs.start).toBe('3');
    expect(select(ol, 'li').map(textOf)).toEqual(['third', 'fourth']);
    expect(select(root, 'span.pw-task').map(textOf)).toEqual(['☑', '☐']);
  });

  it('renders fenced code with its language, quotes, rules and tables', () => {
    const root = md(
      '```python\nprint("<b>hi</b>")  # **not bold**\n```\n> quoted\n\n---\n\n| Metric | Value |\n|:--|--:|\n| F1 | **0.91** |\n| AUC | 0.88 |',
    );
    const pre = selectOne(root, 'pre');
    expect(pre.attrs['data-lang']).toBe('python');
    expect(textOf(pre)).toBe('print("<b>hi</b>")  # **not bold**');
    expect(textOf(selectOne(root, 'blockquote'))).toBe('quoted');
    expect(select(root, 'hr')).toHaveLength(1);
    const table = selectOne(root, 'table');
    expect(select(table, 'th').map(textOf)).toEqual(['Metric', 'Value']);
    expect(select(table, 'tr').map((tr) => select(tr, 'td').map(textOf))).toEqual([
      [],
      ['F1', '0.91'],
      ['AUC', '0.88'],
    ]);
    expect(select(table, 'td')[1]?.attrs.style).toBe('text-align:right');
  });

  it('shows raw HTML and unsafe links as text', () => {
    const root = md(
      '<img src=x onerror=alert(1)> <script>alert(1)</script>\n\n[click](javascript:alert(1)) ![pic](data:text/html,x) [F1](https://en.wikipedia.org/wiki/F1_(score))',
    );
    expect(select(root, 'img')).toHaveLength(0);
    expect(select(root, 'a').map((a) => a.attrs.href)).toEqual(['https://en.wikipedia.org/wiki/F1_(score)']);
    expect(textOf(root)).toBe('<img src=x onerror=alert(1)> <script>alert(1)</script>click pic F1');
  });

  it('renders 100 KB of unbalanced Markdown', () => {
    const text = '**a [b](c `d ~~e _f <g |h\n'.repeat(4_000);
    expect(textOf(md(text)).length).toBeGreaterThan(50_000);
    expect(textOf(md('['.repeat(50_000) + ']'.repeat(10)))).toContain('[[[');
  });
});

describe('file, input and unknown blocks', () => {
  it('renders a file block as a download', () => {
    const root = render({ type: 'file', external_id: 'report-1', source: 'remote', file_id: 'F0REPORT' });
    const link = selectOne(root, 'a');
    expect(link.attrs.href).toBe('/files/F0REPORT');
    expect(textOf(link)).toContain('report-1');
  });

  it('renders a modal input as its label and a placeholder', () => {
    const root = render({
      type: 'input',
      label: plain('Budget'),
      element: { type: 'plain_text_input', action_id: 'b' },
      hint: plain('in dollars'),
    });
    expect(textOf(root)).toBe('Budgetplain_text_inputin dollars');
  });

  it('renders a plain text input with a block id as a labelled control the page can submit', () => {
    const root = render({
      type: 'input',
      block_id: 'reason',
      label: plain('Why reject?'),
      element: {
        type: 'plain_text_input',
        action_id: 'text',
        multiline: true,
        max_length: 1000,
        initial_value: '"><script>',
      },
    });
    const label = selectOne(root, 'label');
    const box = selectOne(label, 'textarea');
    expect(box.attrs['data-input-block-id']).toBe('reason');
    expect(box.attrs['data-input-action-id']).toBe('text');
    expect(box.attrs.maxlength).toBe('1000');
    expect('required' in box.attrs).toBe(true);
    expect(textOf(box)).toBe('"><script>');
    expect(textOf(label)).toContain('Why reject?');
  });

  it('says which block type it does not support', () => {
    const root = render({ type: 'video', title: plain('x') }, 'not a block', { type: '<script>' });
    expect(select(root, 'div.pw-unsupported').map(textOf)).toEqual([
      'unsupported block: video',
      'unsupported block: unknown',
      'unsupported block: <script>',
    ]);
  });
});
