/**
 * Slack mrkdwn to HTML, following Slack's formatting rules: `*bold*`, `_italic_` and `~strike~` need a
 * word boundary outside and no space inside and stay on one line; nothing formats inside code; `<...>`
 * makes links, mentions and broadcasts; `&amp; &lt; &gt;` read as the characters. Broadcasts render as
 * inert text: nothing here can notify anyone.
 */
import type { MentionContext } from './context.js';
import { emojiFor } from './emoji.js';
import { attr, decodeSlackEntities, escapeHtml, safeLinkHref, slackTextToHtml } from './escape.js';
import {
  bareUrlEnd,
  forwardFinder,
  type InlineToken,
  isSpaceOrEdge,
  isWordChar,
  pairDelimiters,
  tokensToHtml,
} from './inline.js';

export interface MrkdwnOptions {
  /** Slack's `verbatim: true`: bare URLs stay text. */
  verbatim?: boolean;
}

const EMPHASIS_TAGS: Record<string, string> = { '*': 'strong', _: 'em', '~': 's' };
const FENCE = '```';

/** The HTML of a mrkdwn text, wrapped in `<div class="pw-mrkdwn">`. */
export function renderMrkdwn(text: string, ctx: MentionContext, opts: MrkdwnOptions = {}): string {
  return `<div class="pw-mrkdwn">${renderMrkdwnBody(text, ctx, opts)}</div>`;
}

/** The HTML of a mrkdwn text without a wrapper (for fields and context elements). */
export function renderMrkdwnBody(text: string, ctx: MentionContext, opts: MrkdwnOptions = {}): string {
  let html = '';
  let pos = 0;
  while (pos < text.length) {
    const open = text.indexOf(FENCE, pos);
    const close = open === -1 ? -1 : text.indexOf(FENCE, open + FENCE.length);
    if (close === -1) {
      html += renderLines(text.slice(pos), ctx, opts);
      break;
    }
    html += renderLines(text.slice(pos, open), ctx, opts);
    html += codeBlock(text.slice(open + FENCE.length, close));
    pos = close + FENCE.length;
    // The newline after a closing fence belongs to the block, not to the text after it.
    if (text[pos] === '\n') pos++;
  }
  return html;
}

function codeBlock(raw: string): string {
  const body = raw.replace(/^\n/, '').replace(/\n$/, '');
  return `<pre class="pw-pre"><code>${slackTextToHtml(body)}</code></pre>`;
}

type LineKind =
  | { kind: 'text'; content: string }
  | { kind: 'quote'; content: string }
  | { kind: 'bullet'; content: string; indent: number }
  | { kind: 'ordered'; content: string; indent: number; number: number };

const QUOTE_ALL = /^(?:>>>|&gt;&gt;&gt;) ?/;
const QUOTE = /^(?:>|&gt;) ?/;
const BULLET = /^( *)[•◦▪‣-] +/;
const ORDERED = /^( *)(\d{1,9})[.)] +/;

function classify(line: string): LineKind {
  const quote = QUOTE.exec(line);
  if (quote) return { kind: 'quote', content: line.slice(quote[0].length) };
  const bullet = BULLET.exec(line);
  if (bullet) return { kind: 'bullet', content: line.slice(bullet[0].length), indent: indentOf(bullet[1]) };
  const ordered = ORDERED.exec(line);
  if (ordered) {
    return {
      kind: 'ordered',
      content: line.slice(ordered[0].length),
      indent: indentOf(ordered[1]),
      number: Number(ordered[2]),
    };
  }
  return { kind: 'text', content: line };
}

function indentOf(spaces: string | undefined): number {
  return Math.min(Math.floor((spaces?.length ?? 0) / 2), 4);
}

/** Lines grouped as Slack shows them: runs of text, of quoted lines, and of list items. */
function renderLines(segment: string, ctx: MentionContext, opts: MrkdwnOptions): string {
  if (segment.length === 0) return '';
  const lines = segment.replace(/\n$/, '').split('\n');
  let html = '';
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] ?? '';
    const quoteAll = QUOTE_ALL.exec(line);
    if (quoteAll) {
      // `>>>` quotes everything after it.
      const rest = [line.slice(quoteAll[0].length), ...lines.slice(i + 1)];
      html += `<blockquote class="pw-quote">${renderUnquoted(rest, ctx, opts)}</blockquote>`;
      break;
    }
    const first = classify(line);
    const group: LineKind[] = [first];
    i++;
    while (i < lines.length) {
      const next = classify(lines[i] ?? '');
      if (QUOTE_ALL.test(lines[i] ?? '') || !sameGroup(first, next)) break;
      group.push(next);
      i++;
    }
    html += renderGroup(group, ctx, opts);
  }
  return html;
}

function sameGroup(a: LineKind, b: LineKind): boolean {
  return a.kind === b.kind;
}

/** Quoted lines: lists and text inside, but no quote inside a quote (Slack has none). */
function renderUnquoted(lines: string[], ctx: MentionContext, opts: MrkdwnOptions): string {
  let html = '';
  let i = 0;
  while (i < lines.length) {
    const first = unquotedKind(lines[i] ?? '');
    const group: LineKind[] = [first];
    i++;
    while (i < lines.length) {
      const next = unquotedKind(lines[i] ?? '');
      if (!sameGroup(first, next)) break;
      group.push(next);
      i++;
    }
    html += renderGroup(group, ctx, opts);
  }
  return html;
}

function unquotedKind(line: string): LineKind {
  const kind = classify(line);
  return kind.kind === 'quote' ? { kind: 'text', content: line } : kind;
}

function renderGroup(group: LineKind[], ctx: MentionContext, opts: MrkdwnOptions): string {
  const first = group[0];
  if (!first) return '';
  switch (first.kind) {
    case 'text':
      return `<div class="pw-text">${group.map((line) => renderInline(line.content, ctx, opts)).join('<br>')}</div>`;
    case 'quote':
      return `<blockquote class="pw-quote">${renderUnquoted(
        group.map((line) => line.content),
        ctx,
        opts,
      )}</blockquote>`;
    case 'bullet':
      return `<ul class="pw-list">${group.map((line) => listItem(line, ctx, opts)).join('')}</ul>`;
    case 'ordered': {
      return `<ol class="pw-list"${attr('start', String(first.number))}>${group
        .map((line) => listItem(line, ctx, opts))
        .join('')}</ol>`;
    }
  }
}

function listItem(line: LineKind, ctx: MentionContext, opts: MrkdwnOptions): string {
  const indent = line.kind === 'bullet' || line.kind === 'ordered' ? line.indent : 0;
  const value = line.kind === 'ordered' ? attr('value', String(line.number)) : '';
  return `<li class="pw-indent-${indent}"${value}>${renderInline(line.content, ctx, opts)}</li>`;
}

/** One line of mrkdwn: code spans, `<...>` tokens, emoji, bare URLs and emphasis, in one forward scan. */
export function renderInline(line: string, ctx: MentionContext, opts: MrkdwnOptions = {}): string {
  const tokens: InlineToken[] = [];
  const nextBacktick = forwardFinder(line, '`');
  const nextGt = forwardFinder(line, '>');
  const nextLt = forwardFinder(line, '<');
  let text = '';
  const flush = () => {
    if (text.length > 0) tokens.push({ kind: 'html', html: slackTextToHtml(text) });
    text = '';
  };
  const push = (html: string) => {
    flush();
    tokens.push({ kind: 'html', html });
  };

  let i = 0;
  while (i < line.length) {
    const ch = line[i] ?? '';
    if (ch === '`') {
      const close = nextBacktick(i + 1);
      if (close > i + 1) {
        push(`<code class="pw-code">${slackTextToHtml(line.slice(i + 1, close))}</code>`);
        i = close + 1;
        continue;
      }
    } else if (ch === '<') {
      const close = nextGt(i + 1);
      const reopen = nextLt(i + 1);
      if (close > i + 1 && (reopen === -1 || reopen > close)) {
        const html = renderAngle(line.slice(i + 1, close), ctx);
        if (html !== undefined) {
          push(html);
          i = close + 1;
          continue;
        }
      }
    } else if (ch === ':') {
      const end = emojiEnd(line, i);
      const emoji = end === -1 ? undefined : emojiFor(line.slice(i + 1, end));
      if (emoji !== undefined) {
        push(emojiHtml(line.slice(i + 1, end), emoji));
        i = end + 1;
        continue;
      }
    } else if (ch === 'h' && !opts.verbatim) {
      const end = bareUrlEnd(line, i);
      const url = end === -1 ? undefined : decodeSlackEntities(line.slice(i, end));
      if (url !== undefined && safeLinkHref(url) !== undefined) {
        push(link(url, escapeHtml(url)));
        i = end;
        continue;
      }
    } else if (ch === '*' || ch === '_' || ch === '~') {
      flush();
      const before = line[i - 1];
      const after = line[i + 1];
      tokens.push({
        kind: 'delim',
        mark: ch,
        literal: ch,
        // Slack's rules: a word boundary outside, no space inside; a doubled marker (`**`) formats nothing.
        canOpen: !isWordChar(before) && before !== ch && !isSpaceOrEdge(after) && after !== ch,
        canClose: !isSpaceOrEdge(before) && before !== ch && !isWordChar(after) && after !== ch,
      });
      i++;
      continue;
    }
    text += ch;
    i++;
  }
  flush();
  pairDelimiters(tokens);
  return tokensToHtml(tokens, EMPHASIS_TAGS);
}

const EMOJI_NAME_CHAR = /[a-z0-9_+\-']/;

/** The index of the colon closing an emoji shortcode that starts at `start`, or -1. */
function emojiEnd(line: string, start: number): number {
  for (let j = start + 1; j < line.length && j - start <= 64; j++) {
    const c = line[j] ?? '';
    if (c === ':') return j > start + 1 ? j : -1;
    if (!EMOJI_NAME_CHAR.test(c)) return -1;
  }
  return -1;
}

export function emojiHtml(name: string, emoji: string): string {
  return `<span class="pw-emoji"${attr('title', `:${name}:`)}>${escapeHtml(emoji)}</span>`;
}

/** An anchor to a screened URL; `labelHtml` is already escaped. */
export function link(href: string, labelHtml: string): string {
  return `<a class="pw-link"${attr('href', href)} rel="noopener noreferrer" target="_blank">${labelHtml}</a>`;
}

const MENTION_ID = /^[A-Z0-9][A-Z0-9_.-]{0,63}$/i;

/**
 * The HTML of a `<...>` token (its content without the brackets), or undefined when it is not one Slack
 * knows, so the caller shows it as text.
 */
function renderAngle(content: string, ctx: MentionContext): string | undefined {
  const bar = content.indexOf('|');
  const target = bar === -1 ? content : content.slice(0, bar);
  const label = bar === -1 ? undefined : decodeSlackEntities(content.slice(bar + 1));
  const sigil = target[0];
  const id = target.slice(1);
  if (sigil === '@') {
    if (!MENTION_ID.test(id)) return undefined;
    return userMention(id, ctx, label);
  }
  if (sigil === '#') {
    if (!MENTION_ID.test(id)) return undefined;
    return channelMention(id, ctx, label);
  }
  if (sigil === '!') return special(id, label);
  const url = decodeSlackEntities(target);
  const href = safeLinkHref(url);
  if (href !== undefined) return link(href, escapeHtml(label || url));
  // A link Slack would not follow (javascript:, data:, a typo): its words stay, as text.
  if (label !== undefined && /^[a-z][a-z0-9+.-]*:/i.test(url)) return escapeHtml(label);
  return undefined;
}

export function userMention(id: string, ctx: MentionContext, label?: string): string {
  const user = ctx.users.get(id);
  const name = user?.name ?? (label ? label.replace(/^@/, '') : id);
  return `<span class="pw-mention"${attr('data-user-id', id)}>@${escapeHtml(name)}</span>`;
}

export function channelMention(id: string, ctx: MentionContext, label?: string): string {
  const name = ctx.channels.get(id)?.name ?? label ?? id;
  return `<span class="pw-channel"${attr('data-channel-id', id)}>#${escapeHtml(name)}</span>`;
}

const BROADCASTS = new Set(['here', 'channel', 'everyone']);

/** Inert text for a broadcast: the page shows "@here" and nobody is notified. */
export function broadcast(range: string): string {
  return `<span class="pw-broadcast">@${escapeHtml(range)}</span>`;
}

function special(command: string, label: string | undefined): string | undefined {
  if (BROADCASTS.has(command)) return broadcast(command);
  if (command.startsWith('subteam^')) {
    const name = label ? label.replace(/^@/, '') : command.slice('subteam^'.length);
    return `<span class="pw-mention">@${escapeHtml(name)}</span>`;
  }
  // `<!date^1700000000^{date_short}|fallback>`: the fallback is what a client without dates shows.
  if (command.startsWith('date^')) return escapeHtml(label ?? command.split('^')[1] ?? '');
  return undefined;
}
