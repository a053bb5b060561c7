import type { Deliverable } from './deliverable.js';
import type { Stage } from './plan.js';
import { stageAnchor } from './report-summary.js';
import { coverageLabel, type ItemGrade, REVIEW_CAVEAT_TEXT, stillOwed } from './review.js';

/** What the report's JSON metadata says of a stage's review and files. */
export interface StageReviewMetadata {
  review:
    | {
        coverageAfterReview: number;
        coverageAfterRevision: number | undefined;
        revised: boolean;
        revisionReasons: string[];
        met: number;
        partial: number;
        missing: number;
        stillOwed: string[];
        model: string;
      }
    | undefined;
  files: Array<{ path: string; language: string; chars: number; parses: boolean | undefined }>;
  fileProblems: Array<{ code: string; path: string; message: string }>;
  reviewCaveat: string | undefined;
}

export function stageReviewMetadata(d: Deliverable | undefined): StageReviewMetadata {
  const r = d?.review;
  return {
    review: r
      ? {
          coverageAfterReview: r.first.coverage,
          coverageAfterRevision: r.revised ? r.final.coverage : undefined,
          revised: r.revised,
          revisionReasons: r.revisionReasons ?? [],
          met: r.final.met,
          partial: r.final.partial,
          missing: r.final.missing,
          stillOwed: stillOwed(r.final).map((i) => i.id),
          model: r.model,
        }
      : undefined,
    files: (d?.files ?? []).map((f) => ({
      path: f.path,
      language: f.language,
      chars: f.content.length,
      parses: f.parses,
    })),
    fileProblems: d?.fileProblems ?? [],
    reviewCaveat: d?.reviewCaveat,
  };
}

const pct = (n: number) => `${Math.round(n * 100)}%`;
/** A table cell: one line, pipes escaped. */
const cell = (text: string) => text.replace(/\s+/g, ' ').replace(/\|/g, '\\|').trim();

/** The report's overview: every reviewed stage's coverage after review and after revision, and what is owed. */
export function coverageMarkdown(
  stages: readonly Stage[],
  deliverables: ReadonlyMap<string, Deliverable>,
): string[] {
  const rows = stages.flatMap((s) => {
    const r = deliverables.get(s.id)?.review;
    if (!r) return [];
    const owed = stillOwed(r.final).map((i) => `${i.id}${i.grade === 'partial' ? ' (partial)' : ''}`);
    return [
      `| [${s.id}](#${stageAnchor(s.id)}) | ${coverageLabel(r.final)} | ${pct(r.first.coverage)} | ${r.revised ? pct(r.final.coverage) : '—'} | ${cell(owed.join(', ') || 'nothing')} |`,
    ];
  });
  if (rows.length === 0) return [];
  return [
    '## Checklist coverage',
    '',
    'Each stage was graded by an independent reviewer against its checklist; a stage missing a blocking item or under the coverage bar was revised once.',
    '',
    '| Stage | Checklist | After review | After revision | Still owed |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ];
}

function gradeLine(i: ItemGrade): string {
  const mark = i.grade === 'met' ? 'met' : i.grade === 'partial' ? 'partial' : 'missing';
  const said =
    i.grade === 'met'
      ? `"${i.evidence}"`
      : [i.gap, i.evidence ? `"${i.evidence}"` : ''].filter(Boolean).join(' ');
  return `| ${i.id}${i.blocking ? ' (blocking)' : ''} | ${mark} | ${cell(said.slice(0, 400))} |`;
}

/** A stage's review in its report section: every grade with its evidence (its files are in "Files"). */
export function stageReviewMarkdown(d: Deliverable): string[] {
  const lines: string[] = [];
  const r = d.review;
  if (d.reviewCaveat) lines.push(`Review incomplete: ${REVIEW_CAVEAT_TEXT[d.reviewCaveat]}.`, '');
  if (r) {
    lines.push(
      `### Review: ${coverageLabel(r.final)}${r.revised ? `, after one revision (first review ${pct(r.first.coverage)}, then ${pct(r.final.coverage)})` : ` (${pct(r.final.coverage)})`}`,
      '',
      ...(r.revisionReasons?.length ? [`Sent back because: ${r.revisionReasons.join('; ')}.`, ''] : []),
      '| Item | Grade | Evidence or gap |',
      '| --- | --- | --- |',
      ...r.final.items.map(gradeLine),
      '',
      ...(r.final.comments ? [`Reviewer: ${r.final.comments}`, ''] : []),
    );
  }
  return lines;
}
