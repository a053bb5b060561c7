import type { types } from '@slack/bolt';
import { buttonValues } from '../../domain/ids.js';
import type { GateView } from '../../domain/views.js';
import { button, capBlocks, context, header, section } from './blocks.js';
import { plainFallback, type RenderedMessage } from './message.js';
import { escapeText, truncate } from './text.js';

type KnownBlock = types.KnownBlock;

export const GATE_ACTIONS = { approve: 'gate_approve', reject: 'gate_reject' } as const;

export function renderGate(view: GateView): RenderedMessage {
  const basis = view.basis
    .map((b) => `• \`${escapeText(b.stageId)}\`: ${escapeText(truncate(b.summary || 'no summary', 400))}`)
    .join('\n');
  const blocks: KnownBlock[] = [
    header(`Approval needed: ${view.stageId}`),
    section(
      `*What will be deployed* (${escapeText(view.role)}):\n${escapeText(truncate(view.task.replace(/\{([^}]+)\.output\}/g, '$1'), 1200))}`,
    ),
  ];
  if (basis) blocks.push(section(`*Why it is ready — the work it builds on:*\n${basis}`));
  const approvers = view.approverIds.map((id) => `<@${id}>`).join(', ');
  if (view.decision) {
    const icon = view.decision.verdict === 'approved' ? ':white_check_mark:' : ':no_entry:';
    const when = new Date(view.decision.at).toISOString().replace('T', ' ').slice(0, 16);
    // The reason is the rejecter's own words: escaped whole, so it can neither ping nor link.
    const date = `<!date^${Math.floor(view.decision.at / 1000)}^{date_short_pretty} at {time}|${when} UTC>`;
    const verb = view.decision.verdict === 'approved' ? 'Approved' : 'Rejected';
    blocks.push(
      context(
        view.decision.reason
          ? `${icon} ${verb} by <@${view.decision.by}>: ${escapeText(truncate(view.decision.reason, 1500))} (${date})`
          : `${icon} ${verb} by <@${view.decision.by}> on ${date}`,
      ),
    );
  } else if (view.closedReason) {
    blocks.push(context(`Closed without a decision: ${escapeText(view.closedReason)}.`));
  } else {
    const value = buttonValues.gate({
      projectId: view.projectId,
      stageId: view.stageId,
      attempt: view.attempt,
      gateRound: view.gateRound,
    });
    blocks.push(context(`Who can decide: ${approvers}`), {
      type: 'actions',
      block_id: `gate.${view.stageId}`.slice(0, 255),
      elements: [
        button({ text: 'Approve', actionId: GATE_ACTIONS.approve, value, style: 'primary' }),
        button({ text: 'Reject', actionId: GATE_ACTIONS.reject, value, style: 'danger' }),
      ],
    });
  }
  const state = view.decision
    ? `${view.decision.verdict} by ${view.decision.by}`
    : view.closedReason
      ? 'closed'
      : 'awaiting approval';
  return { text: plainFallback(`Approval needed for ${view.stageId}: ${state}`), blocks: capBlocks(blocks) };
}
