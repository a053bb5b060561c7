/**
 * Shared inline machinery for mrkdwn and Markdown: a token list of ready HTML pieces and emphasis
 * delimiters, paired with a delimiter stack (CommonMark's approach) so pairing is linear in the input and
 * formatting always nests properly, however hostile or unbalanced the text.
 */

export interface HtmlPiece {
  kind: 'html';
  html: string;
}

export interface Delimiter {
  kind: 'delim';
  /** What pairs with what, e.g. "*" or "**". */
  mark: string;
  /** The escaped text shown when the delimiter pairs with nothing. */
  literal: string;
  canOpen: boolean;
  canClose: boolean;
  /** Set by `pairDelimiters`. */
  role?: 'open' | 'close';
}

export type InlineToken = HtmlPiece | Delimiter;

/**
 * Marks each delimiter that pairs as `open` or `close`. A closer pairs with the nearest open delimiter of
 * the same mark; openers of other marks between them are dropped, so pairs never cross. Adjacent pairs
 * with nothing between (`**`) do not format.
 */
export function pairDelimiters(tokens: InlineToken[]): void {
  const openers: number[] = [];
  const dead = new Set<number>();
  const byMark = new Map<string, number[]>();
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (token?.kind !== 'delim') continue;
    if (token.canClose) {
      const stack = byMark.get(token.mark) ?? [];
      while (stack.length > 0 && dead.has(stack[stack.length - 1] ?? -1)) stack.pop();
      const openerIndex = stack[stack.length - 1];
      if (openerIndex !== undefined && openerIndex < i - 1) {
        stack.pop();
        // Everything opened after the opener is now inside a closed pair: it can no longer open.
        while (openers.length > 0 && (openers[openers.length - 1] ?? -1) > openerIndex) {
          dead.add(openers.pop() ?? -1);
        }
        openers.pop();
        const opener = tokens[openerIndex];
        if (opener?.kind === 'delim') opener.role = 'open';
        token.role = 'close';
        continue;
      }
    }
    if (token.canOpen) {
      openers.push(i);
      const stack = byMark.get(token.mark);
      if (stack) stack.push(i);
      else byMark.set(token.mark, [i]);
    }
  }
}

/** The HTML of paired tokens: `tags` maps a mark to the element it makes, e.g. "*" to "strong". */
export function tokensToHtml(tokens: InlineToken[], tags: Record<string, string>): string {
  let html = '';
  for (const token of tokens) {
    if (token.kind === 'html') {
      html += token.html;
      continue;
    }
    const tag = tags[token.mark];
    if (tag && token.role === 'open') html += `<${tag}>`;
    else if (tag && token.role === 'close') html += `</${tag}>`;
    else html += token.literal;
  }
  return html;
}

const WORD_CHAR = /[\p{L}\p{N}]/u;
const SPACE_CHAR = /\s/u;

/** True for a letter or digit (a word character in Slack's and Markdown's boundary rules). */
export function isWordChar(ch: string | undefined): boolean {
  return ch !== undefined && WORD_CHAR.test(ch);
}

/** True for whitespace, and for the start or end of the text. */
export function isSpaceOrEdge(ch: string | undefined): boolean {
  return ch === undefined || SPACE_CHAR.test(ch);
}

/**
 * `indexOf` for a scan that only moves forward: remembers the last answer, so finding the closing
 * character for every opener on a long line costs one pass, not one pass per opener.
 */
export function forwardFinder(text: string, needle: string): (from: number) => number {
  let found = -2;
  return (from) => {
    if (found === -1 || found >= from) return found;
    found = text.indexOf(needle, from);
    return found;
  };
}

/**
 * The end of a bare http(s) URL starting at `start` (exclusive), trailing punctuation left out, or -1
 * when no URL starts there.
 */
export function bareUrlEnd(text: string, start: number): number {
  if (!text.startsWith('http://', start) && !text.startsWith('https://', start)) return -1;
  if (isWordChar(text[start - 1])) return -1;
  let end = start;
  while (end < text.length && !/[\s<>"'`]/.test(text[end] ?? ' ')) end++;
  while (end > start && /[.,;:!?)\]*_~]/.test(text[end - 1] ?? '')) end--;
  return end - start > 'https://'.length ? end : -1;
}
