import type { types } from '@slack/bolt';
import type { View } from '../../domain/views.js';
import { context, section } from './blocks.js';
import { plainFallback, type RenderedMessage, simple } from './message.js';
import { escapeText } from './text.js';

type KnownBlock = types.KnownBlock;

/** The first answer in a new project's thread. */
export function renderWelcome(view: Extract<View, { type: 'welcome' }>): RenderedMessage {
  return simple(
    `:wave: Thanks <@${view.requesterId}>! I'm Pipewright, your ML project manager. I'll ask a few questions, then propose a plan. Say \`go\` at any time to use sensible defaults.`,
  );
}

export function renderQuestions(view: Extract<View, { type: 'questions' }>): RenderedMessage {
  const { round, maxRounds, questions, assumptions } = view;
  const list = questions.map((q, i) => `${i + 1}. ${escapeText(q)}`).join('\n');
  const blocks: KnownBlock[] = [
    section(`*A few questions before I plan* (round ${round} of ${maxRounds})\n${list}`),
  ];
  if (assumptions.length > 0) {
    blocks.push(
      context(
        `If you say \`go\`, I'll assume: ${assumptions.map((a) => escapeText(a.replace(/[.;\s]+$/, ''))).join('; ')}.`,
      ),
    );
  } else {
    blocks.push(context('Reply in this thread, or say `go` to use the defaults.'));
  }
  return { text: plainFallback(`Questions before I plan:\n${questions.join('\n')}`), blocks };
}
