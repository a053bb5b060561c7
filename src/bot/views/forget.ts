import type { types } from '@slack/bolt';
import { buttonValues } from '../../domain/ids.js';
import type { View } from '../../domain/views.js';
import { button, context, section } from './blocks.js';
import { plainFallback, type RenderedMessage } from './message.js';

type KnownBlock = types.KnownBlock;

export const FORGET_ACTIONS = { forget: 'forget_confirm', keep: 'forget_keep' } as const;

export function renderForgetConfirm(view: Extract<View, { type: 'forget_confirm' }>): RenderedMessage {
  const blocks: KnownBlock[] = [
    section(
      `:wastebasket: <@${view.askedBy}> asked me to forget this project: its requirements, plan and deliverables, and what the agents remember only from it. Other projects' memory stays. Messages already in this thread stay.`,
    ),
  ];
  if (view.decision) {
    const what = view.decision.verdict === 'forgotten' ? 'Forgotten' : 'Kept';
    blocks.push(context(`${what} by <@${view.decision.by}>.`));
  } else {
    const value = buttonValues.forget({ projectId: view.projectId, confirmKey: view.confirmKey });
    blocks.push({
      type: 'actions',
      block_id: 'forget',
      elements: [
        button({ text: 'Forget this project', actionId: FORGET_ACTIONS.forget, value, style: 'danger' }),
        button({ text: 'Keep it', actionId: FORGET_ACTIONS.keep, value }),
      ],
    });
  }
  const state = view.decision ? view.decision.verdict : 'waiting for confirmation';
  return { text: plainFallback(`Forget this project? ${state}`), blocks };
}
