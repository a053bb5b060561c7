import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  renderBlocks,
  renderMarkdown,
  renderMessage,
  renderMrkdwn,
} from '../../src/playground/web/render/index.js';
import { parseSafe, textOf } from './html.js';
import { makeContext } from './render-fixtures.js';

const ctx = makeContext();

/** Text made of the pieces that mean something to mrkdwn, Markdown or HTML. */
const markupText = fc
  .array(
    fc.constantFrom(
      '*',
      '_',
      '~',
      '`',
      '```',
      '**',
      '~~',
      '<',
      '>',
      '&',
      '&amp;',
      '&lt;',
      '&gt;',
      '|',
      '"',
      "'",
      '\n',
      ' ',
      'a',
      'word',
      ':rocket:',
      ':',
      '<@U0MAYA>',
      '<@',
      '<#C0GENERAL|g>',
      '<!channel>',
      '<!here>',
      'https://x.io/a_b',
      '<https://x.io|x>',
      'javascript:alert(1)',
      '<script>',
      '</div>',
      '" onerror="',
      '> ',
      '&gt; ',
      '>>>',
      '• ',
      '- ',
      '1. ',
      '# ',
      '[',
      ']',
      '(',
      ')',
      '](',
      '![',
      '|---|',
      '\\',
      '    ',
    ),
    { maxLength: 60 },
  )
  .map((pieces) => pieces.join(''));

describe('renderer on arbitrary text', () => {
  it('always produces well-formed HTML that can run nothing, from mrkdwn and Markdown', () => {
    fc.assert(
      fc.property(markupText, (text) => {
        parseSafe(renderMrkdwn(text, ctx));
        parseSafe(renderMarkdown(text));
      }),
      { numRuns: 1500 },
    );
  });

  // No '.' or ')' after digits: "9. a" is a list item, which is markup.
  it('shows text without markup exactly as written', () => {
    const plainText = fc
      .array(fc.constantFrom('a', 'B', ' ', '9', ',', 'é', '🙂', '\n', '(', '=', '+', '?'), {
        maxLength: 80,
      })
      .map((pieces) => pieces.join(''))
      .filter((t) => !t.endsWith('\n'));
    fc.assert(
      fc.property(plainText, (text) => {
        expect(textOf(parseSafe(renderMrkdwn(text, ctx)))).toBe(text);
      }),
      { numRuns: 500 },
    );
  });

  it('renders any JSON as blocks or a message without throwing or breaking out', () => {
    const blockType = fc.constantFrom(
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
      'video',
    );
    const block = fc.record({
      type: blockType,
      text: fc.oneof(
        fc.jsonValue(),
        fc.record({ type: fc.constantFrom('mrkdwn', 'plain_text'), text: markupText }),
      ),
      elements: fc.jsonValue(),
      fields: fc.jsonValue(),
      accessory: fc.jsonValue(),
      block_id: markupText,
    });
    fc.assert(
      fc.property(fc.array(fc.oneof(block, fc.jsonValue()), { maxLength: 6 }), markupText, (blocks, text) => {
        parseSafe(renderBlocks(blocks, ctx));
        parseSafe(renderMessage({ channel: 'C0GENERAL', ts: '1.0', user: 'U0MAYA', text, blocks }, ctx));
      }),
      { numRuns: 500 },
    );
  });
});
