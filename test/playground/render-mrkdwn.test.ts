import { describe, expect, it } from 'vitest';
import { renderMrkdwn } from '../../src/playground/web/render/index.js';
import { type HtmlElement, parseSafe, select, selectOne, textOf } from './html.js';
import { makeContext } from './render-fixtures.js';

const ctx = makeContext();
const render = (text: string): HtmlElement => parseSafe(renderMrkdwn(text, ctx));
const seen = (text: string): string => textOf(render(text));
const tagsText = (root: HtmlElement, tag: string): string[] => select(root, tag).map(textOf);

describe('mrkdwn emphasis', () => {
  it('makes *bold*, _italic_, ~strike~ with the markers gone', () => {
    const root = render('a *bold* b _italic_ c ~strike~ d');
    expect(tagsText(root, 'strong')).toEqual(['bold']);
    expect(tagsText(root, 'em')).toEqual(['italic']);
    expect(tagsText(root, 's')).toEqual(['strike']);
    expect(textOf(root)).toBe('a bold b italic c strike d');
  });

  it('needs word boundaries outside and no space inside, as Slack does', () => {
    expect(select(render('snake_case_name and a*b*c'), 'em')).toHaveLength(0);
    expect(select(render('a*b*c'), 'strong')).toHaveLength(0);
    expect(select(render('* not bold *'), 'strong')).toHaveLength(0);
    expect(select(render('2 * 3 * 4'), 'strong')).toHaveLength(0);
    expect(seen('snake_case_name and a*b*c')).toBe('snake_case_name and a*b*c');
    expect(tagsText(render('(*bold*), _x_.'), 'strong')).toEqual(['bold']);
  });

  it('nests formatting and keeps it well formed when markers cross', () => {
    const nested = render('*bold _and italic_ ~and struck~*');
    expect(textOf(selectOne(nested, 'strong'))).toBe('bold and italic and struck');
    expect(textOf(selectOne(selectOne(nested, 'strong'), 'em'))).toBe('and italic');
    const crossed = render('*a _b* c_');
    expect(tagsText(crossed, 'strong')).toEqual(['a _b']);
    expect(textOf(crossed)).toBe('a _b c_');
  });

  it('leaves unmatched and doubled markers as text', () => {
    expect(seen('*unclosed and _also')).toBe('*unclosed and _also');
    expect(select(render('*unclosed and _also'), 'strong')).toHaveLength(0);
    expect(seen('***')).toBe('***');
    expect(seen('**')).toBe('**');
    expect(seen('~~ ~ _ *')).toBe('~~ ~ _ *');
  });

  it('does not carry emphasis across lines', () => {
    const root = render('*start\nend*');
    expect(select(root, 'strong')).toHaveLength(0);
    expect(textOf(root)).toBe('*start\nend*');
  });
});

describe('mrkdwn code', () => {
  it('shows `code` inline with nothing formatted inside', () => {
    const root = render('run `npm *start* <@U0MAYA> :rocket:` now');
    expect(tagsText(root, 'code')).toEqual(['npm *start* <@U0MAYA> :rocket:']);
    expect(select(root, 'strong')).toHaveLength(0);
    expect(select(root, 'span.pw-mention')).toHaveLength(0);
  });

  it('shows ```code blocks``` as preformatted text, keeping lines and entities decoded once', () => {
    const root = render('before\n```\nif (a &lt; b &amp;&amp; *c*) {\n  _x_\n}\n```\nafter');
    const pre = selectOne(root, 'pre');
    expect(textOf(pre)).toBe('if (a < b && *c*) {\n  _x_\n}');
    expect(select(pre, 'strong')).toHaveLength(0);
    expect(textOf(root)).toBe('beforeif (a < b && *c*) {\n  _x_\n}after');
  });

  it('keeps an unclosed ``` as text', () => {
    expect(seen('```not closed *b*')).toBe('```not closed b');
  });
});

describe('mrkdwn quotes and lists', () => {
  it('quotes lines starting with > (raw or as &gt;) in one blockquote', () => {
    const root = render('&gt; first *b*\n> second\nnot quoted');
    const quote = selectOne(root, 'blockquote');
    expect(textOf(quote)).toBe('first b\nsecond');
    expect(textOf(root)).toBe('first b\nsecondnot quoted');
  });

  it('quotes everything after >>>', () => {
    const root = render('intro\n&gt;&gt;&gt; all\nof this');
    expect(textOf(selectOne(root, 'blockquote'))).toBe('all\nof this');
  });

  it('makes lists from lines starting "• ", "- " and "1. "', () => {
    const bullets = render('• one\n• *two*\n- three');
    expect(tagsText(selectOne(bullets, 'ul'), 'li')).toEqual(['one', 'two', 'three']);
    const ordered = render('Steps:\n1. plan\n2. build\n3. ship');
    const ol = selectOne(ordered, 'ol');
    expect(tagsText(ol, 'li')).toEqual(['plan', 'build', 'ship']);
    expect(select(ol, 'li').map((li) => li.attrs.value)).toEqual(['1', '2', '3']);
  });

  it('keeps an indented item deeper', () => {
    const root = render('• top\n    ◦ nested');
    expect(select(root, 'li').map((li) => li.attrs.class)).toEqual(['pw-indent-0', 'pw-indent-2']);
  });
});

describe('mrkdwn links', () => {
  it('links <url|label> and <url>, opening in a new tab without referrer', () => {
    const root = render('see <https://example.com/a?b=1&amp;c=2|the docs> or <https://example.org>');
    const links = select(root, 'a');
    expect(links.map(textOf)).toEqual(['the docs', 'https://example.org']);
    expect(links[0]?.attrs).toMatchObject({
      href: 'https://example.com/a?b=1&c=2',
      rel: 'noopener noreferrer',
      target: '_blank',
    });
  });

  it('links mailto and bare http(s) URLs', () => {
    const root = render('<mailto:maya@example.com|mail Maya>, https://example.com/x_y_z.');
    expect(select(root, 'a').map((a) => a.attrs.href)).toEqual([
      'mailto:maya@example.com',
      'https://example.com/x_y_z',
    ]);
    expect(select(root, 'em')).toHaveLength(0);
  });

  it('shows a javascript: or data: link as its words, never as a link', () => {
    const root = render(
      '<javascript:alert(1)|click me> <data:text/html,<b>x</b>|data> <javascript:alert(2)>',
    );
    expect(select(root, 'a')).toHaveLength(0);
    expect(textOf(root)).toContain('click me');
    expect(textOf(root)).toContain('javascript:alert(2)');
  });
});

describe('mrkdwn mentions', () => {
  it('shows <@U..> as @name from the users, and the id when unknown', () => {
    const root = render('hi <@U0MAYA> and <@U0NOBODY>');
    expect(tagsText(root, 'span.pw-mention')).toEqual(['@maya', '@U0NOBODY']);
    expect(select(root, 'span.pw-mention').map((m) => m.attrs['data-user-id'])).toEqual([
      'U0MAYA',
      'U0NOBODY',
    ]);
  });

  it('shows channels as #name, from the channels or the label', () => {
    const root = render('<#C0GENERAL> <#C0OTHER|random> <#C0GENERAL|stale-name> <#C0BARE>');
    expect(tagsText(root, 'span.pw-channel')).toEqual(['#general', '#random', '#general', '#C0BARE']);
  });

  it('shows <!here>, <!channel> and <!everyone> as plain, inert text', () => {
    const root = render('<!here> <!channel> <!everyone|everyone>');
    expect(tagsText(root, 'span.pw-broadcast')).toEqual(['@here', '@channel', '@everyone']);
    expect(select(root, 'a')).toHaveLength(0);
  });

  it('shows user groups and dates by their labels', () => {
    expect(seen('<!subteam^S123|@ml-team> on <!date^1700000000^{date_short}|Nov 14>')).toBe(
      '@ml-team on Nov 14',
    );
  });
});

describe('mrkdwn emoji and entities', () => {
  it('shows common shortcodes as emoji and leaves unknown ones as text', () => {
    const root = render(':white_check_mark: done :rocket: :tada: :not_a_real_emoji: 10:30:45');
    expect(textOf(root)).toBe('✅ done 🚀 🎉 :not_a_real_emoji: 10:30:45');
    expect(select(root, 'span.pw-emoji').map((e) => e.attrs.title)).toEqual([
      ':white_check_mark:',
      ':rocket:',
      ':tada:',
    ]);
  });

  it('decodes &amp; &lt; &gt; once and escapes them again', () => {
    const html = renderMrkdwn('a &lt;b&gt; &amp; &amp;lt; c', ctx);
    expect(textOf(parseSafe(html))).toBe('a <b> & &lt; c');
    expect(html).not.toContain('<b>');
  });
});

describe('mrkdwn with hostile text', () => {
  it('shows markup as text', () => {
    const text = "<script>alert(1)</script> \"><img src=x onerror=alert(1)> ' onmouseover='x";
    const root = render(text);
    expect(textOf(root)).toBe(text);
    expect(select(root, 'img')).toHaveLength(0);
  });

  it('shows markup in entity form as text too', () => {
    const root = render('&lt;img src=x onerror=alert(1)&gt; &lt;script&gt;');
    expect(textOf(root)).toBe('<img src=x onerror=alert(1)> <script>');
    expect(select(root, 'img')).toHaveLength(0);
  });

  it('keeps attribute values quoted when a link or mention carries quotes', () => {
    const root = render('<https://example.com/"onmouseover="alert(1)|x> <@U0EVIL> <#C0X"y|n>');
    const link = selectOne(root, 'a');
    expect(Object.keys(link.attrs).sort()).toEqual(['class', 'href', 'rel', 'target']);
    expect(link.attrs.href).toBe('https://example.com/"onmouseover="alert(1)');
    expect(tagsText(root, 'span.pw-mention')).toEqual(['@<img src=x onerror=alert(1)>']);
  });

  it('cannot ping: model text with <!channel> and <!here> renders inert', () => {
    const root = render('Summary ready <!channel> — also &lt;!here&gt;');
    expect(textOf(root)).toBe('Summary ready @channel — also <!here>');
  });

  it('renders 100 KB of hostile, unbalanced input (no catastrophic backtracking)', () => {
    const pieces = ['*a ', '_b ', '~c ', '<', '<@', '`', ':ro', '&lt;', '> ', 'https://x.co/', '```', '\n• '];
    let text = '';
    for (let i = 0; text.length < 100_000; i++) text += pieces[i % pieces.length];
    const long = renderMrkdwn(text, ctx);
    expect(parseSafe(long).children.length).toBeGreaterThan(0);
    // One long line of openers without closers, and one of angle brackets without an end.
    expect(seen('*a '.repeat(34_000))).toBe('*a '.repeat(34_000));
    expect(seen('<'.repeat(100_000))).toBe('<'.repeat(100_000));
    expect(seen(':a'.repeat(50_000))).toBe(':a'.repeat(50_000));
  });
});
