import type { types } from '@slack/bolt';
import { type AuditEntry, describeAudit } from '../../domain/audit.js';
import type { View } from '../../domain/views.js';
import { capBlocks, context, header, section } from './blocks.js';
import { plainFallback, type RenderedMessage } from './message.js';
import { escapeKeepingUserMentions, escapeText, splitForSections, truncate } from './text.js';

type KnownBlock = types.KnownBlock;

/** How much of a reason one line of the list shows; the report has it whole. */
const REASON_IN_LIST = 300;

/** `audit`: who decided what and when, oldest first; long lists run over several sections. */
export function renderAudit(view: Extract<View, { type: 'audit' }>): RenderedMessage {
  const blocks: KnownBlock[] = [header('Audit trail')];
  if (view.entries.length === 0) {
    blocks.push(section('Nobody has decided anything in this project yet.'));
    return { text: plainFallback('Audit trail: no entries yet'), blocks };
  }
  const lines = view.entries.map(auditLine).join('\n');
  for (const chunk of splitForSections(lines)) blocks.push(section(chunk));
  const shown = view.entries.length;
  blocks.push(
    context(
      shown < view.total
        ? `The latest ${shown} of ${view.total} entries; the report has them all.`
        : `${view.total} entr${view.total === 1 ? 'y' : 'ies'}; the report has them too.`,
    ),
  );
  return {
    text: plainFallback(`Audit trail: ${view.total} entr${view.total === 1 ? 'y' : 'ies'}`),
    blocks: capBlocks(blocks),
  };
}

/** One entry: when (in the reader's time zone), our sentence, and the reason, escaped: it cannot ping. */
export function auditLine(entry: AuditEntry): string {
  const iso = new Date(entry.at).toISOString().replace('T', ' ').slice(0, 16);
  const when = `<!date^${Math.floor(entry.at / 1000)}^{date_short_pretty} {time}|${iso} UTC>`;
  const reason = entry.reason ? `: “${escapeText(truncate(entry.reason, REASON_IN_LIST))}”` : '';
  return `• ${when} ${escapeKeepingUserMentions(describeAudit(entry))}${reason}`;
}
