/** The playground's Slack message renderer: pure functions from stored messages to safe HTML. */
export { renderBlock, renderBlocks } from './blocks.js';
export type { MentionContext, RenderContext } from './context.js';
export { renderPlainText, renderTextObject } from './elements.js';
export { emojiFor } from './emoji.js';
export { escapeHtml, safeImageSrc, safeLinkHref } from './escape.js';
export { renderMarkdown } from './markdown.js';
export { type RenderViewOptions, renderMessage, renderView } from './message.js';
export { renderMrkdwn } from './mrkdwn.js';
export { PLAYGROUND_CSS } from './styles.js';
