import { describe, expect, it } from 'vitest';
import type { WorkspaceMessage } from '../../src/playground/slack-api/workspace.js';
import { KNOWN_EMOJI_COUNT } from '../../src/playground/web/render/emoji.js';
import { PLAYGROUND_CSS, renderMessage, renderView } from '../../src/playground/web/render/index.js';
import { type HtmlElement, parseSafe, select, selectOne, textOf } from './html.js';
import { bot, makeContext, mallory, maya } from './render-fixtures.js';

const ctx = makeContext();
const TS = '1700000000.000100'; // 2023-11-14T22:13:20Z
const message = (overrides: Partial<WorkspaceMessage>): WorkspaceMessage => ({
  channel: 'C0GENERAL',
  ts: TS,
  text: '',
  ...overrides,
});
const render = (m: WorkspaceMessage): HtmlElement => selectOne(parseSafe(renderMessage(m, ctx)), 'article');

describe('renderMessage', () => {
  it('shows a person’s message: real name, time and mrkdwn text when there are no blocks', () => {
    const row = render(message({ user: maya.id, text: '<@U0BOT> train a *churn* model' }));
    expect(textOf(selectOne(row, 'span.pw-author'))).toBe('Maya Chen (requester)');
    const time = selectOne(row, 'time');
    expect(time.attrs.datetime).toBe('2023-11-14T22:13:20.000Z');
    expect(textOf(time)).toBe('22:13');
    expect(textOf(selectOne(row, 'div.pw-content'))).toBe('@pipewright train a churn model');
    expect(row.attrs).toMatchObject({ 'data-ts': TS, 'data-channel': 'C0GENERAL' });
    expect(select(row, 'span.pw-app-badge')).toHaveLength(0);
  });

  it('shows a bot message by the bot’s name with its blocks instead of the fallback text', () => {
    const row = render(
      message({
        botId: 'B0BOT',
        user: bot.id,
        threadTs: '1699999999.000001',
        text: 'fallback only',
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*Plan ready*' } }],
      }),
    );
    expect(textOf(selectOne(row, 'span.pw-author'))).toBe('Pipewright');
    expect(textOf(selectOne(row, 'span.pw-app-badge'))).toBe('APP');
    expect(textOf(selectOne(row, 'div.pw-content'))).toBe('Plan ready');
    expect(row.attrs['data-thread-ts']).toBe('1699999999.000001');
  });

  it('names the bot from ctx.botUserId when a bot message carries only botId', () => {
    const row = render(message({ botId: 'B0BOT', text: 'hello' }));
    expect(textOf(selectOne(row, 'span.pw-author'))).toBe('Pipewright');
  });

  it('marks edited messages and ephemerals', () => {
    const edited = render(
      message({ user: maya.id, text: 'fixed', edited: { ts: '1700000001.0', user: maya.id } }),
    );
    expect(textOf(selectOne(edited, 'div.pw-content'))).toBe('fixed(edited)');
    expect(select(edited, 'span.pw-ephemeral-label')).toHaveLength(0);
    const ephemeral = render(
      message({ botId: 'B0BOT', user: bot.id, text: 'Only you can approve', ephemeralFor: maya.id }),
    );
    expect(textOf(selectOne(ephemeral, 'span.pw-ephemeral-label'))).toBe('Only visible to you');
    expect(ephemeral.attrs.class).toContain('pw-message-ephemeral');
    expect(select(ephemeral, 'span.pw-edited')).toHaveLength(0);
  });

  it('shows files as download links and images inline', () => {
    const row = render(
      message({
        botId: 'B0BOT',
        user: bot.id,
        text: 'Report attached',
        files: [
          {
            id: 'F0REPORT',
            name: 'report.md',
            title: 'Final report',
            mimetype: 'text/markdown',
            filetype: 'markdown',
            size: 2048,
          },
          {
            id: 'F0CHART',
            name: 'loss.png',
            title: 'Loss curve',
            mimetype: 'image/png',
            filetype: 'png',
            size: 10,
          },
        ],
      }),
    );
    const links = select(row, 'a.pw-file-link');
    expect(links.map((a) => [textOf(a), a.attrs.href, a.attrs.download])).toEqual([
      ['Final report', '/files/F0REPORT', 'report.md'],
      ['Loss curve', '/files/F0CHART', 'loss.png'],
    ]);
    expect(select(row, 'img.pw-file-image').map((img) => [img.attrs.src, img.attrs.alt])).toEqual([
      ['/files/F0CHART', 'Loss curve'],
    ]);
    expect(textOf(select(row, 'div.pw-file')[0] as HtmlElement)).toBe('Final report2.0 KB');
  });

  it('refuses a file URL that is not the page’s or http(s)', () => {
    const evil = makeContext({ fileUrl: () => 'javascript:alert(1)' });
    const html = renderMessage(
      message({
        user: maya.id,
        text: 'x',
        files: [{ id: 'F1', name: 'a.png', title: 'a', mimetype: 'image/png', filetype: 'png', size: 1 }],
      }),
      evil,
    );
    const row = parseSafe(html);
    expect(select(row, 'a')).toHaveLength(0);
    expect(select(row, 'img')).toHaveLength(0);
  });

  it('shows a hostile name, text and file title only as text', () => {
    const row = render(
      message({
        user: mallory.id,
        text: '"><img src=x onerror=alert(1)> <script>alert(1)</script> <@U0EVIL> <!channel>',
        files: [
          {
            id: 'F"x',
            name: '"><script>',
            title: '<img src=x onerror=alert(2)>',
            mimetype: 'image/png',
            filetype: 'png',
            size: 1,
          },
        ],
      }),
    );
    expect(textOf(selectOne(row, 'span.pw-author'))).toBe('"><script>alert(1)</script>');
    expect(textOf(selectOne(row, 'div.pw-mrkdwn'))).toBe(
      '"><img src=x onerror=alert(1)> <script>alert(1)</script> @<img src=x onerror=alert(1)> @channel',
    );
    expect(select(row, 'img').map((img) => img.attrs.alt)).toEqual(['<img src=x onerror=alert(2)>']);
    expect(select(row, 'img')[0]?.attrs.src).toBe('/files/F%22x');
  });
});

describe('renderView', () => {
  it('renders a modal with its title, blocks and submit and close buttons', () => {
    const root = parseSafe(
      renderView(
        {
          type: 'modal',
          callback_id: 'budget_modal',
          title: { type: 'plain_text', text: 'Raise budget' },
          submit: { type: 'plain_text', text: 'Raise' },
          close: { type: 'plain_text', text: 'Not now' },
          blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Spent *$4.20* of $5' } }],
        },
        ctx,
        { viewId: 'V0MODAL' },
      ),
    );
    const view = selectOne(root, 'section');
    expect(view.attrs).toMatchObject({
      'data-view-type': 'modal',
      'data-view-id': 'V0MODAL',
      'data-callback-id': 'budget_modal',
    });
    expect(textOf(selectOne(view, 'h2'))).toBe('Raise budget');
    expect(textOf(selectOne(view, 'div.pw-view-blocks'))).toBe('Spent $4.20 of $5');
    expect(select(view, 'button').map((b) => [textOf(b), b.attrs['data-view-action']])).toEqual([
      ['Not now', 'close'],
      ['Raise', 'submit'],
    ]);
  });

  it('gives a modal without close a Cancel button and no submit', () => {
    const root = parseSafe(
      renderView({ type: 'modal', title: { type: 'plain_text', text: 'Info' }, blocks: [] }, ctx),
    );
    expect(select(root, 'button').map(textOf)).toEqual(['Cancel']);
  });

  it('renders a Home tab with its blocks and interactive buttons, without modal buttons', () => {
    const root = parseSafe(
      renderView(
        {
          type: 'home',
          blocks: [
            { type: 'header', text: { type: 'plain_text', text: 'Your projects' } },
            {
              type: 'actions',
              block_id: 'home_actions',
              elements: [
                {
                  type: 'button',
                  text: { type: 'plain_text', text: 'Open' },
                  action_id: 'open',
                  value: 'p1',
                },
              ],
            },
          ],
        },
        ctx,
      ),
    );
    expect(selectOne(root, 'section').attrs['data-view-type']).toBe('home');
    expect(textOf(selectOne(root, 'h3'))).toBe('Your projects');
    expect(select(root, 'button').map((b) => [textOf(b), b.attrs['data-action-id']])).toEqual([
      ['Open', 'open'],
    ]);
  });

  it('survives a view that is not an object', () => {
    expect(textOf(parseSafe(renderView('<script>', ctx)))).toBe('');
  });
});

describe('PLAYGROUND_CSS', () => {
  it('styles what the renderer emits, with Slack’s button colours', () => {
    expect(PLAYGROUND_CSS).toContain('#007a5a');
    expect(PLAYGROUND_CSS).toContain('#e01e5a');
    for (const cls of [
      'pw-message',
      'pw-author',
      'pw-time',
      'pw-button-primary',
      'pw-button-danger',
      'pw-fields',
      'pw-quote',
      'pw-pre',
      'pw-block-context',
    ]) {
      expect(PLAYGROUND_CSS).toContain(`.${cls}`);
    }
    expect(PLAYGROUND_CSS).not.toContain('</style');
  });

  it('knows the common emoji shortcodes', () => {
    expect(KNOWN_EMOJI_COUNT).toBeGreaterThanOrEqual(150);
  });
});
