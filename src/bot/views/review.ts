import { coverageLabel, type ReviewTally } from '../../domain/review.js';
import type { StageLine } from '../../domain/views.js';
import { escapeText } from './text.js';

/** "checklist 9/10 (1 partial) · revised after review · 3 files": a reviewed stage in a few words. */
export function reviewLine(review: ReviewTally | undefined, files: number | undefined): string {
  const parts: string[] = [];
  if (review) {
    parts.push(coverageLabel(review));
    if (review.revised) parts.push('revised after review');
  }
  if (files) parts.push(`${files} file${files === 1 ? '' : 's'}`);
  return parts.join(' · ');
}

/** What the stage still owes after its review, for the note and the summary: "still owed: de.lineage, …". */
export function owedLine(review: ReviewTally | undefined): string {
  if (!review || review.owed.length === 0) return '';
  return `still owed: ${review.owed.map((id) => `\`${escapeText(id)}\``).join(', ')}`;
}

/**
 * The summary's checklist section: coverage per reviewed stage and what each still owes, worst first, so a
 * reader sees at once what the team cannot rely on yet.
 */
export function coverageSection(stages: readonly StageLine[] | undefined): string {
  const reviewed = (stages ?? []).filter((st) => st.review !== undefined);
  if (reviewed.length === 0) return '';
  const sorted = [...reviewed].sort((a, b) => (a.review?.coverage ?? 1) - (b.review?.coverage ?? 1));
  const lines = sorted.map((st) => {
    const owed = owedLine(st.review);
    return `• \`${escapeText(st.id)}\`: ${Math.round((st.review?.coverage ?? 0) * 100)}% · ${reviewLine(st.review, undefined)}${owed ? ` · ${owed}` : ''}`;
  });
  const mean = reviewed.reduce((sum, st) => sum + (st.review?.coverage ?? 0), 0) / reviewed.length;
  return `*Checklist coverage after independent review* (mean ${Math.round(mean * 100)}%)\n${lines.join('\n')}`;
}
