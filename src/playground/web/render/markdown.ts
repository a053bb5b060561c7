/**
 * The `markdown` block's standard Markdown, as a small safe subset: headings, paragraphs, bullet, ordered
 * and task lists (nested by indentation), fenced code, quotes, rules, pipe tables; inline bold, italic,
 * strike, code, links and autolinks. Raw HTML is not a feature: it shows as the text it is.
 */
import { escapeHtml, safeLinkHref } from './escape.js';
import {
  bareUrlEnd,
  forwardFinder,
  type InlineToken,
  isSpaceOrEdge,
  isWordChar,
  pairDelimiters,
  tokensToHtml,
} from './inline.js';
import { link } from './mrkdwn.js';

const MAX_QUOTE_DEPTH = 8;

/** The HTML of a Markdown text, wrapped in `<div class="pw-markdown">`. */
export function renderMarkdown(text: string): string {
  return `<div class="pw-markdown">${renderMarkdownBlocks(text.replace(/\r\n?/g, '\n').split('\n'), 0)}</div>`;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;
const HEADING = /^ {0,3}(#{1,6})(?: +(.*))?$/;
const QUOTE = /^ {0,3}> ?/;
const LIST_ITEM = /^( *)([-*+]|\d{1,9}[.)]) +/;

function renderMarkdownBlocks(lines: string[], depth: number): string {
  let html = '';
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] ?? '';
    if (line.trim().length === 0) {
      i++;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const marker = fence[1] ?? '```';
      const body: string[] = [];
      i++;
      while (i < lines.length && !(lines[i] ?? '').trimStart().startsWith(marker))
        body.push(lines[i++] ?? '');
      i++;
      const lang = (fence[2] ?? '').trim().split(/\s/)[0] ?? '';
      const langAttr = lang ? ` data-lang="${escapeHtml(lang)}"` : '';
      html += `<pre class="pw-pre"${langAttr}><code>${escapeHtml(body.join('\n'))}</code></pre>`;
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      const level = (heading[1] ?? '#').length;
      html += `<h${level} class="pw-md-heading">${renderMarkdownInline(stripClosingHashes(heading[2] ?? ''))}</h${level}>`;
      i++;
      continue;
    }
    if (isRule(line)) {
      html += '<hr class="pw-divider">';
      i++;
      continue;
    }
    if (QUOTE.test(line) && depth < MAX_QUOTE_DEPTH) {
      const quoted: string[] = [];
      while (i < lines.length && QUOTE.test(lines[i] ?? ''))
        quoted.push((lines[i++] ?? '').replace(QUOTE, ''));
      html += `<blockquote class="pw-quote">${renderMarkdownBlocks(quoted, depth + 1)}</blockquote>`;
      continue;
    }
    if (LIST_ITEM.test(line)) {
      const items: string[] = [];
      while (i < lines.length) {
        const next = lines[i] ?? '';
        if (LIST_ITEM.test(next)) items.push(next);
        else if (next.trim().length > 0 && /^ {2,}/.test(next) && items.length > 0) {
          // A continuation line joins the item above it.
          items[items.length - 1] += ` ${next.trim()}`;
        } else break;
        i++;
      }
      html += renderList(items);
      continue;
    }
    const table = tableAt(lines, i);
    if (table) {
      html += table.html;
      i = table.next;
      continue;
    }
    // The first line always belongs to the paragraph (a quote too deep to nest reads as text).
    const paragraph: string[] = [line];
    i++;
    while (i < lines.length && (lines[i] ?? '').trim().length > 0 && !startsBlock(lines, i)) {
      paragraph.push(lines[i++] ?? '');
    }
    html += `<p class="pw-md-p">${paragraph.map((l) => renderMarkdownInline(l.trim())).join('<br>')}</p>`;
  }
  return html;
}

function startsBlock(lines: string[], i: number): boolean {
  const line = lines[i] ?? '';
  return (
    FENCE.test(line) ||
    HEADING.test(line) ||
    isRule(line) ||
    QUOTE.test(line) ||
    LIST_ITEM.test(line) ||
    tableAt(lines, i) !== undefined
  );
}

function stripClosingHashes(text: string): string {
  let end = text.length;
  while (end > 0 && text[end - 1] === ' ') end--;
  let hashes = end;
  while (hashes > 0 && text[hashes - 1] === '#') hashes--;
  if (hashes < end && (hashes === 0 || text[hashes - 1] === ' ')) end = hashes;
  return text.slice(0, end).trimEnd();
}

function isRule(line: string): boolean {
  const compact = line.replace(/[ \t]/g, '');
  if (compact.length < 3 || line.length - line.trimStart().length > 3) return false;
  const first = compact[0];
  if (first !== '-' && first !== '*' && first !== '_') return false;
  for (const ch of compact) if (ch !== first) return false;
  return true;
}

interface ListLine {
  indent: number;
  ordered: boolean;
  number: number;
  content: string;
}

/** Nested lists from items whose indentation says their depth. */
function renderList(items: string[]): string {
  const parsed: ListLine[] = items.map((item) => {
    const match = LIST_ITEM.exec(item);
    const marker = match?.[2] ?? '-';
    const ordered = /\d/.test(marker);
    return {
      indent: match?.[1]?.length ?? 0,
      ordered,
      number: ordered ? Number.parseInt(marker, 10) : 0,
      content: item.slice(match?.[0].length ?? 0),
    };
  });
  let html = '';
  // Open lists, innermost last: their item indentation and whether they are ordered.
  const open: Array<{ indent: number; ordered: boolean }> = [];
  const close = () => {
    const list = open.pop();
    if (list) html += `</li></${list.ordered ? 'ol' : 'ul'}>`;
  };
  for (const item of parsed) {
    while (open.length > 1 && item.indent < (open[open.length - 1]?.indent ?? 0)) close();
    const current = open[open.length - 1];
    if (!current || (item.indent > current.indent && open.length < 6)) {
      const tag = item.ordered ? 'ol' : 'ul';
      const start = item.ordered && item.number !== 1 ? ` start="${item.number}"` : '';
      html += `<${tag} class="pw-list"${start}>`;
      open.push({ indent: item.indent, ordered: item.ordered });
    } else {
      html += '</li>';
    }
    html += `<li>${listItemContent(item.content)}`;
  }
  while (open.length > 0) close();
  return html;
}

function listItemContent(content: string): string {
  const task = /^\[([ xX])\] +/.exec(content);
  if (!task) return renderMarkdownInline(content);
  const done = task[1] !== ' ';
  const box = `<span class="pw-task"${done ? ' data-done="true"' : ''}>${done ? '☑' : '☐'}</span> `;
  return box + renderMarkdownInline(content.slice(task[0].length));
}

/** Cells of a pipe-table row: the outer pipes dropped, `\|` kept as a pipe inside a cell. */
function tableCells(line: string): string[] {
  let row = line.trim();
  if (row.startsWith('|')) row = row.slice(1);
  if (row.endsWith('|') && !row.endsWith('\\|')) row = row.slice(0, -1);
  const cells: string[] = [];
  let cell = '';
  for (let i = 0; i < row.length; i++) {
    const ch = row[i];
    if (ch === '\\' && row[i + 1] === '|') {
      cell += '|';
      i++;
    } else if (ch === '|') {
      cells.push(cell.trim());
      cell = '';
    } else cell += ch;
  }
  cells.push(cell.trim());
  return cells;
}

type Align = 'left' | 'center' | 'right' | undefined;

function alignments(line: string): Align[] | undefined {
  if (!line.includes('-') || !line.includes('|')) return undefined;
  const cells = tableCells(line);
  const aligns: Align[] = [];
  for (const cell of cells) {
    if (!/^:?-+:?$/.test(cell)) return undefined;
    const left = cell.startsWith(':');
    const right = cell.endsWith(':');
    aligns.push(left && right ? 'center' : right ? 'right' : left ? 'left' : undefined);
  }
  return aligns;
}

function tableAt(lines: string[], i: number): { html: string; next: number } | undefined {
  const header = lines[i] ?? '';
  if (!header.includes('|')) return undefined;
  const aligns = alignments(lines[i + 1] ?? '');
  const headerCells = tableCells(header);
  if (!aligns || aligns.length !== headerCells.length) return undefined;
  const cell = (tag: 'th' | 'td', text: string, col: number) => {
    const align = aligns[col];
    return `<${tag}${align ? ` style="text-align:${align}"` : ''}>${renderMarkdownInline(text)}</${tag}>`;
  };
  let html = `<table class="pw-table"><thead><tr>${headerCells.map((c, col) => cell('th', c, col)).join('')}</tr></thead><tbody>`;
  let next = i + 2;
  while (next < lines.length && (lines[next] ?? '').includes('|') && (lines[next] ?? '').trim().length > 0) {
    const cells = tableCells(lines[next] ?? '');
    html += `<tr>${headerCells.map((_, col) => cell('td', cells[col] ?? '', col)).join('')}</tr>`;
    next++;
  }
  return { html: `${html}</tbody></table>`, next };
}

const MD_TAGS: Record<string, string> = {
  '**': 'strong',
  __: 'strong',
  '*': 'em',
  _: 'em',
  '~~': 's',
  '~': 's',
};

/** One line of Markdown inline syntax. `inLink` stops links nesting inside link text. */
export function renderMarkdownInline(line: string, inLink = false): string {
  const tokens: InlineToken[] = [];
  const nextBracket = forwardFinder(line, ']');
  const nextParen = forwardFinder(line, ')');
  const nextGt = forwardFinder(line, '>');
  const backtickFinders = new Map<number, (from: number) => number>();
  let text = '';
  const flush = () => {
    if (text.length > 0) tokens.push({ kind: 'html', html: escapeHtml(decodeBasicEntities(text)) });
    text = '';
  };
  const push = (html: string) => {
    flush();
    tokens.push({ kind: 'html', html });
  };

  let i = 0;
  while (i < line.length) {
    const ch = line[i] ?? '';
    if (ch === '\\' && i + 1 < line.length && /[!-/:-@[-`{-~]/.test(line[i + 1] ?? '')) {
      text += line[i + 1];
      i += 2;
      continue;
    }
    if (ch === '`') {
      let run = 1;
      while (line[i + run] === '`') run++;
      const fence = '`'.repeat(run);
      let finder = backtickFinders.get(run);
      if (!finder) {
        finder = forwardFinder(line, fence);
        backtickFinders.set(run, finder);
      }
      const close = finder(i + run);
      if (close !== -1) {
        push(`<code class="pw-code">${escapeHtml(line.slice(i + run, close).trim())}</code>`);
        i = close + run;
      } else {
        text += fence;
        i += run;
      }
      continue;
    }
    if ((ch === '[' || (ch === '!' && line[i + 1] === '[')) && !inLink) {
      const open = ch === '!' ? i + 1 : i;
      const closeBracket = nextBracket(open + 1);
      if (closeBracket !== -1 && line[closeBracket + 1] === '(') {
        let closeParen = nextParen(closeBracket + 2);
        // A URL may hold balanced parentheses (`https://en.wikipedia.org/wiki/F1_(score)`); a few suffice.
        for (let extra = 0; extra < 3 && closeParen !== -1; extra++) {
          const inside = line.slice(closeBracket + 2, closeParen);
          if (inside.split('(').length <= inside.split(')').length) break;
          closeParen = nextParen(closeParen + 1);
        }
        if (closeParen !== -1) {
          const label = line.slice(open + 1, closeBracket);
          const target =
            line
              .slice(closeBracket + 2, closeParen)
              .trim()
              .split(/\s+/)[0] ?? '';
          const href = safeLinkHref(target.replace(/^<|>$/g, ''));
          const labelHtml = renderMarkdownInline(label || target, true);
          push(href ? link(href, labelHtml) : labelHtml);
          i = closeParen + 1;
          continue;
        }
      }
    }
    if (ch === '<') {
      const close = nextGt(i + 1);
      const inner = close === -1 ? '' : line.slice(i + 1, close);
      const href = /^\S+$/.test(inner) ? safeLinkHref(inner) : undefined;
      if (href && !inLink) {
        push(link(href, escapeHtml(inner)));
        i = close + 1;
        continue;
      }
    }
    if (ch === 'h' && !inLink) {
      const end = bareUrlEnd(line, i);
      const href = end === -1 ? undefined : safeLinkHref(line.slice(i, end));
      if (href) {
        push(link(href, escapeHtml(href)));
        i = end;
        continue;
      }
    }
    if (ch === '*' || ch === '_' || ch === '~') {
      let run = 1;
      while (line[i + run] === ch) run++;
      const before = line[i - 1];
      const after = line[i + run];
      const leftFlanking = !isSpaceOrEdge(after);
      const rightFlanking = !isSpaceOrEdge(before);
      // `_` does not format inside words (snake_case stays as written); `*` may.
      const canOpen = leftFlanking && (ch !== '_' || !isWordChar(before));
      const canClose = rightFlanking && (ch !== '_' || !isWordChar(after));
      flush();
      // A run splits into doubles and a single; a closing run puts its single first so that
      // `***both***` closes the inner `*` before the outer `**`.
      const sizes: number[] = [];
      for (let left = run; left > 0; left -= 2) sizes.push(left >= 2 ? 2 : 1);
      if (canClose && !canOpen) sizes.reverse();
      for (const size of sizes) {
        const mark = ch.repeat(size);
        tokens.push({ kind: 'delim', mark, literal: escapeHtml(mark), canOpen, canClose });
      }
      i += run;
      continue;
    }
    text += ch;
    i++;
  }
  flush();
  pairDelimiters(tokens);
  return tokensToHtml(tokens, MD_TAGS);
}

const BASIC_ENTITIES: Record<string, string> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#39;': "'",
  '&nbsp;': '\u00a0',
};

function decodeBasicEntities(text: string): string {
  return text.replace(/&(?:amp|lt|gt|quot|#39|nbsp);/g, (entity) => BASIC_ENTITIES[entity] ?? entity);
}
