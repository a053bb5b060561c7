import { z } from 'zod';
import { assertNever } from './assert-never.js';

/**
 * The audit trail: who decided what, when, and from which message. One entry per person's action that
 * changed a project (a gate decision, a control, a budget change, reading agent memory). Reads (`status`,
 * `help`, `audit`) are not entries; refused attempts are in the log (listeners' `auditFacts`), not here.
 */

export const AUDIT_ACTIONS = [
  'approve',
  'reject',
  'go',
  'cancel',
  'resume',
  'retry',
  'forget_asked',
  'forget',
  'keep',
  'budget_raise',
  'budget_stop',
  'memory_read',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** How many entries `audit` shows in the thread (the report has them all). */
export const AUDIT_LIST_LATEST = 25;

/** Longest rejection reason kept (the modal's input has the same limit). */
export const REASON_MAX_CHARS = 1000;

export const auditEntrySchema = z.object({
  /** When the orchestrator applied it (ms). */
  at: z.number(),
  /** Who did it (Slack user id). */
  by: z.string(),
  action: z.enum(AUDIT_ACTIONS),
  stageId: z.string().optional(),
  /** Our own words about what changed (an attempt number, a new ceiling, a role): never user text. */
  note: z.string().max(300).optional(),
  /** What the person wrote (a rejection's reason): user text, escaped wherever it is shown. */
  reason: z.string().max(REASON_MAX_CHARS).optional(),
  /** The conversation and the message that carried the command, or the button that was clicked. */
  channelId: z.string(),
  messageTs: z.string().optional(),
  /** The orchestrator event it came from. */
  eventId: z.string(),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

const code = (id: string) => `\`${id}\``;

/**
 * The entry as a sentence of ours, naming the person as `<@U…>`; without the reason, which is user text
 * and goes after it, escaped, wherever the sentence is shown.
 */
export function describeAudit(entry: Pick<AuditEntry, 'by' | 'action' | 'stageId' | 'note'>): string {
  const who = `<@${entry.by}>`;
  const stage = entry.stageId ? code(entry.stageId) : 'a stage';
  const note = entry.note ? ` (${entry.note})` : '';
  switch (entry.action) {
    case 'approve':
      return `${who} approved ${stage}${note}`;
    case 'reject':
      return `${who} rejected ${stage}${note}`;
    case 'go':
      return `${who} said \`go\`: use the defaults${note}`;
    case 'cancel':
      return `${who} cancelled the run${note}`;
    case 'resume':
      return `${who} resumed the run${note}`;
    case 'retry':
      return `${who} asked to retry ${stage}${note}`;
    case 'forget_asked':
      return `${who} asked to forget the project${note}`;
    case 'forget':
      return `${who} forgot the project${note}`;
    case 'keep':
      return `${who} kept the project${note}`;
    case 'budget_raise':
      return `${who} raised the budget${note}`;
    case 'budget_stop':
      return `${who} stopped the run at the budget${note}`;
    case 'memory_read':
      return `${who} read agent memory${note}`;
    default:
      return assertNever(entry.action);
  }
}
