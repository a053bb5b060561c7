/**
 * Escaping and URL screening for the playground renderer. Everything a user or the model wrote passes
 * through `escapeHtml` before it reaches the page; every href and src passes through a screen.
 */

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for an element body or a double-quoted attribute value (quotes included, both kinds). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch] ?? ch);
}

/** ` name="value"` with the value escaped; the only way the renderer writes attributes. */
export function attr(name: string, value: string): string {
  return ` ${name}="${escapeHtml(value)}"`;
}

const SLACK_ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>' };

/**
 * Slack's message text carries `&`, `<` and `>` as entities (Slack's formatting rules); the reader sees
 * the characters. One pass, so `&amp;lt;` stays the literal text `&lt;`.
 */
export function decodeSlackEntities(text: string): string {
  return text.replace(/&(?:amp|lt|gt);/g, (entity) => SLACK_ENTITIES[entity] ?? entity);
}

/** Escaped text as the reader should see it: Slack entities decoded, then escaped for HTML. */
export function slackTextToHtml(text: string): string {
  return escapeHtml(decodeSlackEntities(text));
}

const LINK_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);

/** The URL if a link may point at it (http, https, mailto), otherwise undefined. */
export function safeLinkHref(raw: string): string | undefined {
  const url = parseAbsolute(raw);
  return url && LINK_PROTOCOLS.has(url.protocol) ? raw.trim() : undefined;
}

const DATA_IMAGE = /^data:image\/(?:png|jpeg|gif|webp)[;,]/i;

/** The URL if an <img> may load it (http, https, or a png/jpeg/gif/webp data URL), otherwise undefined. */
export function safeImageSrc(raw: string): string | undefined {
  const trimmed = raw.trim();
  if (DATA_IMAGE.test(trimmed)) return trimmed;
  const url = parseAbsolute(trimmed);
  return url && (url.protocol === 'http:' || url.protocol === 'https:') ? trimmed : undefined;
}

/**
 * A URL the page itself made (file downloads): a same-origin path or http(s). Anything else is refused so
 * a bad `fileUrl` cannot smuggle a script URL in.
 */
export function safeLocalUrl(raw: string): string | undefined {
  if (raw.startsWith('/') && !raw.startsWith('//') && !/[\s\\]/.test(raw)) return raw;
  const href = safeLinkHref(raw);
  return href && !href.toLowerCase().startsWith('mailto:') ? href : undefined;
}

function parseAbsolute(raw: string): URL | undefined {
  const trimmed = raw.trim();
  if (trimmed.length === 0 || trimmed.length > 8192) return undefined;
  try {
    return new URL(trimmed);
  } catch {
    return undefined;
  }
}
