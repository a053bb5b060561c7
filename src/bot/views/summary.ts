import type { types } from '@slack/bolt';
import type { CriterionStatus } from '../../domain/executive-summary.js';
import type { FilesPublication } from '../../domain/files-publication.js';
import { formatUsd } from '../../domain/spending.js';
import type { View } from '../../domain/views.js';
import { capBlocks, context, divider, header, section } from './blocks.js';
import { plainFallback, type RenderedMessage } from './message.js';
import { coverageSection } from './review.js';
import { formatUsage } from './run.js';
import { escapeText, LIMITS, splitForSections, truncate } from './text.js';

type KnownBlock = types.KnownBlock;
type SummaryView = Extract<View, { type: 'summary' }>;

/** Evidence is cut here in the thread so the criteria stay scannable; the report has it whole. */
const EVIDENCE_CHARS = 300;

const OUTCOME_LABEL = {
  met: ':white_check_mark: Requirements met',
  partially_met: ':large_yellow_circle: Requirements partly met',
  not_met: ':red_circle: Requirements not met',
  unchecked: ':grey_question: Not checked against the requirements',
} as const;

export const CRITERION_LABEL: Record<CriterionStatus, string> = {
  met: ':white_check_mark:',
  partial: ':large_yellow_circle:',
  not_met: ':x:',
  unchecked: ':grey_question:',
};

/** " _(`phase1.data-engineer`, `phase2.ml-engineer`)_": the stages a claim rests on, or nothing. */
export function stageRefs(stages: readonly string[]): string {
  if (stages.length === 0) return '';
  return ` _(${stages.map((id) => `\`${escapeText(id)}\``).join(', ')})_`;
}

/**
 * The executive summary in the thread: outcome and headline, each success criterion with its status and
 * the stages it rests on, business impact with the ROI estimate and its assumptions, risks with their
 * mitigations, resources and what the run cost, next steps; then what each stage delivered and the cost
 * list. Every text from the model is escaped. At the schema's maxima it stays well under Slack's 50 blocks
 * (the test renders one), and a long part spills into further sections rather than being cut.
 */
export function renderSummary(view: SummaryView): RenderedMessage {
  const s = view.summary;
  const blocks: KnownBlock[] = [
    header('Executive summary'),
    section(`*${OUTCOME_LABEL[s.outcome]}* — ${escapeText(s.headline)}`),
  ];
  const add = (part: string) => {
    for (const chunk of splitForSections(part)) blocks.push(section(chunk));
  };

  if (s.criteria.length > 0)
    add(
      `*Success criteria*\n${s.criteria
        .map(
          (c) =>
            `${CRITERION_LABEL[c.status]} *${escapeText(c.criterion)}*\n      ${escapeText(truncate(c.evidence, EVIDENCE_CHARS))}${stageRefs(c.stages)}`,
        )
        .join('\n')}`,
    );

  const impact = s.businessImpact;
  add(
    [
      `*Business impact*${stageRefs(impact.stages)}\n${escapeText(impact.summary)}`,
      `*ROI estimate:* ${escapeText(impact.roi.estimate)}`,
      ...(impact.roi.assumptions.length > 0
        ? [`_Assuming:_\n${impact.roi.assumptions.map((a) => `• ${escapeText(a)}`).join('\n')}`]
        : []),
    ].join('\n'),
  );

  if (s.risks.length > 0)
    add(
      `*Risks and mitigations*\n${s.risks
        .map(
          (r) =>
            `• ${escapeText(r.risk)}${stageRefs(r.stages)}\n      ↳ _Mitigation:_ ${escapeText(r.mitigation)}`,
        )
        .join('\n')}`,
    );

  const spent = s.resources.costUsd ?? view.usage.costUsd;
  const budget = view.budgetUsd === undefined ? '' : ` of a ${formatUsd(view.budgetUsd)} budget`;
  blocks.push({
    type: 'section',
    text: { type: 'mrkdwn', text: '*Resources and cost*' },
    fields: [
      `*People*\n${escapeText(s.resources.people)}`,
      `*Infrastructure*\n${escapeText(s.resources.infrastructure)}`,
      `*Running it*\n${escapeText(s.resources.ongoingCost)}`,
      `*This run*\nest. ${escapeText(formatUsd(spent))}${budget} on the model`,
    ].map((text) => ({ type: 'mrkdwn' as const, text: truncate(text, LIMITS.fieldText) })),
  });

  if (s.nextSteps.length > 0)
    add(
      `*Next steps*\n${s.nextSteps
        .map(
          (n, i) =>
            `${i + 1}. ${escapeText(n.step)}${n.owner ? ` — _${escapeText(n.owner)}_` : ''}${stageRefs(n.stages)}`,
        )
        .join('\n')}`,
    );

  blocks.push(divider());
  if (s.deliverables.length > 0)
    add(
      `*What each stage delivered*\n${s.deliverables.map((d) => `• \`${escapeText(d.stageId)}\`: ${escapeText(d.line)}`).join('\n')}`,
    );
  const coverage = coverageSection(view.stages);
  if (coverage) add(coverage);
  if (view.files) add(filesLine(view.files));
  if (view.failedStages.length > 0)
    add(`*Not delivered:* ${view.failedStages.map((id) => `\`${escapeText(id)}\``).join(', ')}`);
  if (view.degradedStages.length > 0)
    add(
      `*Produced by the fallback model (review these):* ${view.degradedStages.map((id) => `\`${escapeText(id)}\``).join(', ')}`,
    );
  if (view.spentOn && view.spentOn.length > 0) {
    const limit = view.budgetUsd === undefined ? '' : ` (budget ${formatUsd(view.budgetUsd)})`;
    add(
      `*Cost${limit}*\n${view.spentOn.map((c) => `• ${escapeText(c.label)}: ${escapeText(formatUsd(c.usd))}`).join('\n')}`,
    );
  }
  blocks.push(
    context(
      `Completed · ${view.stageCount} stage(s) · ${formatUsage(view.usage)} · full report attached below`,
    ),
  );
  const fallback = `Executive summary (completed): ${s.outcome.replace('_', ' ')}. ${s.headline}`;
  return { text: plainFallback(fallback), blocks: capBlocks(blocks) };
}

/** Where the project's files were committed, or why the push failed: one line of the summary. */
function filesLine(p: FilesPublication): string {
  const repo = escapeText(p.repo);
  return p.error
    ? `:warning: *Files:* the push of branch \`${escapeText(p.branch)}\` to ${repo} failed: ${escapeText(p.error)}`
    : `*Files:* branch \`${escapeText(p.branch)}\` on ${repo} (${p.files} file(s) and INDEX.md${p.commit ? `, commit \`${p.commit.slice(0, 12)}\`` : ''})`;
}
