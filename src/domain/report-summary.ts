import type { CriterionStatus, ExecutiveSummary } from './executive-summary.js';
import { formatUsd } from './spending.js';

/**
 * The report's "Executive summary" section: all of the summary, every stage reference a link to that
 * stage's section further down the same file (`stageAnchor`). Pure.
 */

/** The anchor of a stage's section in the report: `stage-phase1-data-engineer`. */
export function stageAnchor(stageId: string): string {
  return `stage-${stageId.toLowerCase().replace(/[^a-z0-9-]+/g, '-')}`;
}

/** The line placed just before a stage's heading, so links to it work in any Markdown viewer. */
export function stageAnchorTag(stageId: string): string {
  return `<a id="${stageAnchor(stageId)}"></a>`;
}

/**
 * Model text on one line, so it cannot open a heading, a list or a code fence of its own; a marker it
 * starts with is escaped (CommonMark shows `\#` as `#`, `1\.` as `1.`), for the lines it begins.
 */
function oneLine(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^([#>*+=`~-])/, '\\$1')
    .replace(/^(\d+)([.)])/, '$1\\$2');
}

function links(stages: readonly string[], known: ReadonlySet<string>): string {
  const refs = stages.filter((id) => known.has(id));
  if (refs.length === 0) return '';
  return ` (stages: ${refs.map((id) => `[${id}](#${stageAnchor(id)})`).join(', ')})`;
}

const STATUS: Record<CriterionStatus, string> = {
  met: '[x] Met',
  partial: '[~] Partly met',
  not_met: '[ ] Not met',
  unchecked: '[?] Not checked',
};

export function summaryMarkdown(
  s: ExecutiveSummary,
  planStageIds: readonly string[],
  run: { spentUsd: number; budgetUsd: number | undefined },
): string[] {
  const known = new Set(planStageIds);
  const lines: string[] = [
    '## Executive summary',
    '',
    `**Outcome: ${s.outcome.replace('_', ' ')}.** ${oneLine(s.headline)}`,
    '',
  ];
  if (s.criteria.length > 0) {
    lines.push('### Success criteria', '');
    for (const c of s.criteria)
      lines.push(
        `- ${STATUS[c.status]}: ${oneLine(c.criterion)}`,
        `  - Evidence: ${oneLine(c.evidence)}${links(c.stages, known)}`,
      );
    lines.push('');
  }
  const impact = s.businessImpact;
  lines.push(
    '### Business impact',
    '',
    `${oneLine(impact.summary)}${links(impact.stages, known)}`,
    '',
    `**ROI estimate:** ${oneLine(impact.roi.estimate)}`,
    '',
  );
  if (impact.roi.assumptions.length > 0)
    lines.push('Assumptions:', '', ...impact.roi.assumptions.map((a) => `- ${oneLine(a)}`), '');
  if (s.risks.length > 0) {
    lines.push('### Risks and mitigations', '');
    for (const r of s.risks)
      lines.push(
        `- **Risk:** ${oneLine(r.risk)}${links(r.stages, known)}`,
        `  - Mitigation: ${oneLine(r.mitigation)}`,
      );
    lines.push('');
  }
  const budget = run.budgetUsd === undefined ? '' : ` of a ${formatUsd(run.budgetUsd)} budget`;
  lines.push(
    '### Resources and cost',
    '',
    `- People: ${oneLine(s.resources.people)}`,
    `- Infrastructure: ${oneLine(s.resources.infrastructure)}`,
    `- Running it: ${oneLine(s.resources.ongoingCost)}`,
    `- This run: est. ${formatUsd(s.resources.costUsd ?? run.spentUsd)}${budget} on the model`,
    '',
  );
  if (s.nextSteps.length > 0) {
    lines.push('### Next steps', '');
    s.nextSteps.forEach((n, i) => {
      const owner = n.owner ? ` (owner: ${oneLine(n.owner)})` : '';
      lines.push(`${i + 1}. ${oneLine(n.step)}${owner}${links(n.stages, known)}`);
    });
    lines.push('');
  }
  const delivered = s.deliverables.filter((d) => known.has(d.stageId));
  if (delivered.length > 0)
    lines.push(
      '### What each stage delivered',
      '',
      ...delivered.map((d) => `- [${d.stageId}](#${stageAnchor(d.stageId)}): ${oneLine(d.line)}`),
      '',
    );
  return lines;
}
