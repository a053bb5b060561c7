import type { types } from '@slack/bolt';
import { buttonValues } from '../../domain/ids.js';
import { formatUsd } from '../../domain/spending.js';
import type { View } from '../../domain/views.js';
import { button, context, section } from './blocks.js';
import { plainFallback, type RenderedMessage } from './message.js';
import { escapeText } from './text.js';

type KnownBlock = types.KnownBlock;

export const BUDGET_ACTIONS = { raise: 'budget_raise', stop: 'budget_stop' } as const;

const SCOPE_LABEL = { project: "this project's budget", workspace: "this workspace's budget for today" };

export function renderBudget(view: Extract<View, { type: 'budget' }>): RenderedMessage {
  const spentOn = view.spentOn.map((s) => `• ${escapeText(s.label)}: ${formatUsd(s.usd)}`).join('\n');
  const blocks: KnownBlock[] = [
    section(
      `:pause_button: *Paused at the budget.* The next model call could cost up to ${formatUsd(view.callUsd)}, and ${SCOPE_LABEL[view.scope]} is ${formatUsd(view.limitUsd)}, of which ${formatUsd(view.spentUsd)} is spent or committed. I have not made that call.`,
    ),
  ];
  if (spentOn) blocks.push(section(`*Spent so far in this project*\n${spentOn}`));
  const deciders = view.deciders.map((id) => `<@${id}>`).join(', ');
  if (view.decision) {
    const d = view.decision;
    const by = d.by ? ` by <@${d.by}>` : '';
    const what =
      d.verdict === 'raised'
        ? `:white_check_mark: Budget raised to ${formatUsd(view.raisedLimitUsd)}${by}; the run goes on.`
        : d.verdict === 'stopped'
          ? `:octagonal_sign: Stopped${by}; say \`resume\` to go on.`
          : `Closed without a decision: ${escapeText(d.note ?? 'the run ended')}.`;
    blocks.push(context(what));
  } else {
    const value = buttonValues.budget({ projectId: view.projectId, round: view.round });
    blocks.push(
      context(
        `*Raise budget* sets the ceiling to ${formatUsd(view.raisedLimitUsd)} and goes on; *Stop* stops the run (\`resume\` later). Who can decide: ${deciders}`,
      ),
      {
        type: 'actions',
        block_id: `budget.${view.round}`,
        elements: [
          button({ text: 'Raise budget', actionId: BUDGET_ACTIONS.raise, value, style: 'primary' }),
          button({ text: 'Stop', actionId: BUDGET_ACTIONS.stop, value, style: 'danger' }),
        ],
      },
    );
  }
  const state = view.decision ? view.decision.verdict : 'waiting for a decision';
  return {
    text: plainFallback(
      `Paused at the budget (${formatUsd(view.spentUsd)} of ${formatUsd(view.limitUsd)}): ${state}`,
    ),
    blocks,
  };
}
