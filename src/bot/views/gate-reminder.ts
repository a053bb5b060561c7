import type { View } from '../../domain/views.js';
import { section } from './blocks.js';
import { decidersLine, slackDate } from './gate.js';
import { plainFallback, type RenderedMessage } from './message.js';
import { escapeText } from './text.js';

/**
 * Half time on a gate: a reminder in the thread that mentions the configured deciders who have not
 * approved yet (ids checked for shape in `decidersLine`; a view never carries a name a model wrote).
 */
export function renderGateReminder(view: Extract<View, { type: 'gate_reminder' }>): RenderedMessage {
  const who = decidersLine({
    approverIds: view.mentionUserIds,
    ...(view.mentionGroupId ? { approverGroupId: view.mentionGroupId } : {}),
  });
  const still =
    view.approvalsRequired > 1
      ? ` It has ${view.approvals} of the ${view.approvalsRequired} approvals it needs.`
      : '';
  const text = `:alarm_clock: Reminder: \`${escapeText(view.stageId)}\` is still waiting for approval.${still} It expires ${slackDate(view.expiresAt)} and then reads as not approved. ${who}: the Approve and Reject buttons are on the request above.`;
  return {
    text: plainFallback(`Reminder: ${view.stageId} is still waiting for approval`),
    blocks: [section(text)],
  };
}
