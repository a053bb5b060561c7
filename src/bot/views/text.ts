/** Slack's limits (DESIGN.md, "Slack rules"); renderers keep under them and tests check the edges. */
export const LIMITS = {
  blocks: 50,
  sectionText: 3000,
  headerText: 150,
  buttonText: 75,
  buttonValue: 2000,
  actionId: 255,
  contextText: 2000,
  /** One of a section's `fields` (at most 10 of them). */
  fieldText: 2000,
  fallbackText: 3000,
} as const;

/** Escapes text for mrkdwn: `&`, `<`, `>` become entities, so nothing in it can mention, link or ping. */
export function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * For text we wrote ourselves that names users as `<@U123>` (channels as `<#C123>`, the configured
 * approver group as `<!subteam^S123>`): escapes everything, then lets exactly those through. Broadcasts
 * (`<!channel>`, `<!here>`, `<!everyone>`) stay escaped. Never use it on text a model or a person wrote:
 * that goes through `escapeText`.
 */
export function escapeKeepingUserMentions(text: string): string {
  return escapeText(text)
    .replace(/&lt;@([UW][A-Z0-9]{1,20})&gt;/g, '<@$1>')
    .replace(/&lt;#([CGD][A-Z0-9]{1,20})&gt;/g, '<#$1>')
    .replace(/&lt;!subteam\^(S[A-Z0-9]{1,30})&gt;/g, '<!subteam^$1>');
}

/** Cuts to at most `max` characters, ending with an ellipsis when something was cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - 1)).trimEnd()}…`;
}

/** Model output is Markdown; Slack speaks mrkdwn. Converts the common constructs, after escaping. */
export function markdownToMrkdwn(markdown: string): string {
  return escapeText(markdown)
    .replace(/^#{1,6}\s+(.+)$/gm, '*$1*')
    .replace(/\*\*(.+?)\*\*/g, '*$1*')
    .replace(/__(.+?)__/g, '_$1_')
    .replace(/^\s*[-*]\s+/gm, '• ');
}

/** Splits long text into chunks that each fit a section, preferring paragraph, then line breaks. */
export function splitForSections(text: string, max: number = LIMITS.sectionText): string[] {
  const chunks: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const window = rest.slice(0, max);
    let cut = window.lastIndexOf('\n\n');
    if (cut < max / 2) cut = window.lastIndexOf('\n');
    if (cut < max / 2) cut = max;
    chunks.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).replace(/^\n+/, '');
  }
  if (rest.length > 0) chunks.push(rest);
  return chunks;
}
