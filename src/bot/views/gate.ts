import type { types } from '@slack/bolt';
import { buttonValues } from '../../domain/ids.js';
import { formatUsd } from '../../domain/spending.js';
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
  const risks = (view.risks ?? [])
    .map((r) => `• \`${escapeText(r.stageId)}\`: ${escapeText(truncate(r.text, 300))}`)
    .join('\n');
  if (risks) blocks.push(section(`*Main risks* (named by the work it builds on):\n${risks}`));
  if (view.spend) blocks.push(context(spendLine(view.spend)));
  const approvers = decidersLine(view);
  const approvals = view.approvals ?? [];
  if (view.decision) {
    const icon = view.decision.verdict === 'approved' ? ':white_check_mark:' : ':no_entry:';
    // With a quorum, everyone whose Approve counted is named; a Reject names the one who rejected.
    const by =
      view.decision.verdict === 'approved' && approvals.length > 1
        ? userList(approvals.map((a) => a.by))
        : `<@${view.decision.by}>`;
    const verb = view.decision.verdict === 'approved' ? 'Approved' : 'Rejected';
    blocks.push(
      context(
        // The reason is the rejecter's own words: escaped whole, so it can neither ping nor link.
        view.decision.reason
          ? `${icon} ${verb} by ${by}: ${escapeText(truncate(view.decision.reason, 1500))} (${slackDate(view.decision.at)})`
          : `${icon} ${verb} by ${by} on ${slackDate(view.decision.at)}`,
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
    const lines = [`Who can decide: ${approvers}`];
    if (approvals.length > 0)
      lines.push(
        `:ballot_box_with_check: approved by ${userList(approvals.map((a) => a.by))} · ${approvals.length} of ${view.approvalsRequired ?? 1}`,
      );
    else if ((view.approvalsRequired ?? 1) > 1) lines.push(`Needs ${view.approvalsRequired} approvers.`);
    if (view.expiresAt !== undefined) lines.push(`Expires ${slackDate(view.expiresAt)} unless approved.`);
    blocks.push(context(lines.join('\n')), {
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
      : approvals.length > 0
        ? `approved by ${approvals.length} of ${view.approvalsRequired ?? 1}`
        : 'awaiting approval';
  return { text: plainFallback(`Approval needed for ${view.stageId}: ${state}`), blocks: capBlocks(blocks) };
}

/** Only ids shaped like Slack's become mentions: a view carries configured ids, and nothing else may ping. */
const USER_ID = /^[UW][A-Z0-9]{1,20}$/;
const GROUP_ID = /^S[A-Z0-9]{1,30}$/;

/** `<@U1>`, `<@U1> and <@U2>`, `<@U1>, <@U2> and <@U3>`. */
export function userList(ids: readonly string[]): string {
  const names = ids.map((id) => (USER_ID.test(id) ? `<@${id}>` : escapeText(id)));
  return names.length <= 1
    ? (names[0] ?? '')
    : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** The people and group who may decide: `<@U1>, <@U2> or members of <!subteam^S1>`. */
export function decidersLine(view: {
  approverIds: readonly string[];
  approverGroupId?: string | undefined;
}): string {
  const people = view.approverIds.map((id) => (USER_ID.test(id) ? `<@${id}>` : escapeText(id))).join(', ');
  const group =
    view.approverGroupId && GROUP_ID.test(view.approverGroupId)
      ? `members of <!subteam^${view.approverGroupId}>`
      : '';
  return [people, group].filter((p) => p !== '').join(' or ') || 'nobody is configured';
}

/** A date Slack shows in the reader's own time zone, with a UTC fallback. */
export function slackDate(at: number): string {
  const when = new Date(at).toISOString().replace('T', ' ').slice(0, 16);
  return `<!date^${Math.floor(at / 1000)}^{date_short_pretty} at {time}|${when} UTC>`;
}

function spendLine(spend: NonNullable<GateView['spend']>): string {
  const rest =
    spend.restForecastUsd === undefined
      ? ''
      : ` · the stages still to run may cost up to ${formatUsd(spend.restForecastUsd)}`;
  return `:moneybag: Spent so far: ${formatUsd(spend.spentUsd)} of the ${formatUsd(spend.budgetUsd)} budget${rest}.`;
}
