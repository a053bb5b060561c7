/**
 * A strict little HTML reader for the renderer's tests. The renderer promises well-formed output with
 * every attribute quoted and every text escaped; this parser throws on anything else, so parsing hostile
 * output is itself an assertion that nothing broke out of its place.
 */

export interface HtmlElement {
  tag: string;
  attrs: Record<string, string>;
  children: HtmlNode[];
}
export type HtmlNode = HtmlElement | string;

const VOID = new Set(['br', 'hr', 'img', 'input']);
const ENTITIES: Record<string, string> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#39;': "'",
};
const OPEN_TAG = /^<([a-z][a-z0-9]*)((?:\s+[a-z][a-z0-9-]*(?:="[^"<>]*")?)*)\s*>/;
const ATTRIBUTE = /([a-z][a-z0-9-]*)(?:="([^"<>]*)")?/g;

function decode(text: string): string {
  if (/&(?!amp;|lt;|gt;|quot;|#39;)/.test(text)) throw new Error(`unknown entity in ${JSON.stringify(text)}`);
  return text.replace(/&(?:amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e] ?? e);
}

export function parseHtml(html: string): HtmlElement {
  const root: HtmlElement = { tag: '#root', attrs: {}, children: [] };
  const stack: HtmlElement[] = [root];
  let i = 0;
  while (i < html.length) {
    const top = stack[stack.length - 1] as HtmlElement;
    if (html[i] !== '<') {
      let end = html.indexOf('<', i);
      if (end === -1) end = html.length;
      const raw = html.slice(i, end);
      if (raw.includes('>') || raw.includes('"')) throw new Error(`unescaped text ${JSON.stringify(raw)}`);
      top.children.push(decode(raw));
      i = end;
      continue;
    }
    const close = /^<\/([a-z][a-z0-9]*)>/.exec(html.slice(i, i + 40));
    if (close) {
      if (top.tag !== close[1]) throw new Error(`</${close[1]}> closes <${top.tag}> at ${i}`);
      stack.pop();
      i += close[0].length;
      continue;
    }
    const rest = html.slice(i, i + 20_000);
    const open = OPEN_TAG.exec(rest);
    if (!open) throw new Error(`malformed tag at ${i}: ${JSON.stringify(rest.slice(0, 60))}`);
    const element: HtmlElement = { tag: open[1] as string, attrs: {}, children: [] };
    for (const match of (open[2] ?? '').matchAll(ATTRIBUTE)) {
      const name = match[1] as string;
      if (name in element.attrs) throw new Error(`duplicate attribute ${name}`);
      element.attrs[name] = decode(match[2] ?? '');
    }
    top.children.push(element);
    if (!VOID.has(element.tag)) stack.push(element);
    i += open[0].length;
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1]?.tag}>`);
  return root;
}

/** What a reader sees: the text, with `<br>` as a line break. */
export function textOf(node: HtmlNode): string {
  if (typeof node === 'string') return node;
  if (node.tag === 'br') return '\n';
  return node.children.map(textOf).join('');
}

/** Every element under `node` (not `node` itself), in document order. */
export function descendants(node: HtmlElement): HtmlElement[] {
  const out: HtmlElement[] = [];
  const walk = (el: HtmlElement) => {
    for (const child of el.children) {
      if (typeof child === 'string') continue;
      out.push(child);
      walk(child);
    }
  };
  walk(node);
  return out;
}

export function hasClass(el: HtmlElement, className: string): boolean {
  return (el.attrs.class ?? '').split(/\s+/).includes(className);
}

/** Elements matching a tiny selector: "tag", ".class" or "tag.class". */
export function select(node: HtmlElement, selector: string): HtmlElement[] {
  const [tag, className] = selector.split('.');
  return descendants(node).filter(
    (el) => (!tag || el.tag === tag) && (!className || hasClass(el, className)),
  );
}

export function selectOne(node: HtmlElement, selector: string): HtmlElement {
  const found = select(node, selector);
  if (found.length !== 1) throw new Error(`${found.length} matches for ${selector}`);
  return found[0] as HtmlElement;
}

const ALLOWED_TAGS = new Set([
  'a',
  'article',
  'blockquote',
  'br',
  'button',
  'code',
  'div',
  'em',
  'figure',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'hr',
  'img',
  'input',
  'label',
  'li',
  'ol',
  'p',
  'pre',
  's',
  'section',
  'span',
  'strong',
  'table',
  'tbody',
  'textarea',
  'td',
  'th',
  'thead',
  'time',
  'tr',
  'ul',
]);

/**
 * Parses `html` and checks it cannot run anything: known tags only, no event-handler attributes, links
 * and images only to safe places. Returns the parsed tree.
 */
export function parseSafe(html: string): HtmlElement {
  const root = parseHtml(html);
  for (const el of descendants(root)) {
    if (!ALLOWED_TAGS.has(el.tag)) throw new Error(`unexpected <${el.tag}>`);
    for (const [name, value] of Object.entries(el.attrs)) {
      if (name.startsWith('on')) throw new Error(`event handler attribute ${name}`);
      if (name === 'style' && !/^text-align:(left|center|right)$/.test(value))
        throw new Error(`style ${value}`);
      if (name === 'href' && !/^(https?:|mailto:|\/files\/)/i.test(value)) throw new Error(`href ${value}`);
      if (name === 'src' && !/^(https?:|\/files\/|data:image\/(png|jpeg|gif|webp)[;,])/i.test(value)) {
        throw new Error(`src ${value}`);
      }
    }
    if (el.tag === 'a' && (el.attrs.rel !== 'noopener noreferrer' || el.attrs.target !== '_blank')) {
      if (!(el.attrs.href ?? '').startsWith('/files/')) throw new Error('external link without rel/target');
    }
  }
  return root;
}
