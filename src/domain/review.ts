import { z } from 'zod';
import type { ChecklistItem } from './checklists.js';
import type { DeliverableFile, FileProblem } from './deliverable-files.js';

/**
 * The independent review of a stage: a reviewer grades every checklist item met, partial or missing with
 * the words it found, and the stage gets one revision round when a blocking item is missing or coverage is
 * under the bar. Pure: the stage job asks the model and stores what these functions decide.
 */

export const GRADES = ['met', 'partial', 'missing'] as const;
export type Grade = (typeof GRADES)[number];

/** What the reviewer model returns (validated). */
export const reviewOutputSchema = z.object({
  grades: z
    .array(
      z.object({
        id: z.string().min(1).max(60),
        grade: z.enum(GRADES),
        /** Words quoted from the deliverable or its files; empty when missing. */
        evidence: z.string().max(600),
        /** What is lacking, for partial and missing items. */
        gap: z.string().max(400).optional(),
      }),
    )
    .max(80),
  /** The reviewer's advice to the author, in a few sentences. */
  comments: z.string().max(2_000),
});
export type ReviewOutput = z.infer<typeof reviewOutputSchema>;

export const itemGradeSchema = z.object({
  id: z.string(),
  text: z.string(),
  blocking: z.boolean(),
  grade: z.enum(GRADES),
  evidence: z.string(),
  gap: z.string().optional(),
});
export type ItemGrade = z.infer<typeof itemGradeSchema>;

/** A graded checklist, as stored with the deliverable and shown in Slack and the report. */
export const checklistReviewSchema = z.object({
  items: z.array(itemGradeSchema),
  met: z.number().int().min(0),
  partial: z.number().int().min(0),
  missing: z.number().int().min(0),
  /** (met + ½ partial) / items; 1 for an empty checklist. */
  coverage: z.number().min(0).max(1),
  comments: z.string(),
});
export type ChecklistReview = z.infer<typeof checklistReviewSchema>;

/** What a stage's reviews came to: the first review, and the second after a revision round, if there was one. */
export const stageReviewSchema = z.object({
  first: checklistReviewSchema,
  final: checklistReviewSchema,
  revised: z.boolean(),
  /** Why the revision round ran (missing blocking items, low coverage, file problems). */
  revisionReasons: z.array(z.string()).optional(),
  model: z.string(),
});
export type StageReview = z.infer<typeof stageReviewSchema>;

function normalised(text: string): string {
  return text
    .toLowerCase()
    .replace(/[`*_"'“”‘’]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Whether quoted evidence appears in what was delivered (whitespace, case and Markdown marks ignored). */
export function evidenceFound(
  evidence: string,
  deliverable: string,
  files: readonly DeliverableFile[],
): boolean {
  const quote = normalised(evidence.replace(/^(?:[.…]{1,3}\s*)|(?:\s*[.…]{1,3})$/g, ''));
  if (quote.length < 8) return false;
  const haystacks = [deliverable, ...files.map((f) => `${f.path}\n${f.content}`)];
  // A reviewer may join two quotes with an ellipsis; each part must be found.
  const parts = quote.split(/\s*(?:\.\.\.|…)\s*/).filter((p) => p.length >= 8);
  return (parts.length > 0 ? parts : [quote]).every((part) =>
    haystacks.some((h) => normalised(h).includes(part)),
  );
}

/**
 * The reviewer's grades made into the stage's review: one grade per checklist item, in checklist order.
 * An item the reviewer skipped counts as missing; ids it made up are ignored; "met" whose quoted evidence is
 * not in the deliverable or its files becomes "partial" (a grade must rest on what was delivered).
 */
export function gradeChecklist(
  checklist: readonly ChecklistItem[],
  output: ReviewOutput,
  delivered: { deliverable: string; files: readonly DeliverableFile[] },
): ChecklistReview {
  const byId = new Map(output.grades.map((g) => [g.id, g]));
  const items: ItemGrade[] = checklist.map((item) => {
    const g = byId.get(item.id);
    if (!g) {
      return { ...item, grade: 'missing', evidence: '', gap: 'The reviewer did not grade this item.' };
    }
    if (g.grade === 'met' && !evidenceFound(g.evidence, delivered.deliverable, delivered.files)) {
      return {
        ...item,
        grade: 'partial',
        evidence: g.evidence,
        gap: 'The quoted evidence was not found in the deliverable or its files.',
      };
    }
    return { ...item, grade: g.grade, evidence: g.evidence, ...(g.gap ? { gap: g.gap } : {}) };
  });
  return summarise(items, output.comments);
}

function summarise(items: ItemGrade[], comments: string): ChecklistReview {
  const count = (grade: Grade) => items.filter((i) => i.grade === grade).length;
  const met = count('met');
  const partial = count('partial');
  const missing = count('missing');
  const coverage = items.length === 0 ? 1 : (met + partial / 2) / items.length;
  return { items, met, partial, missing, coverage: Math.round(coverage * 1000) / 1000, comments };
}

/** Why a stage goes back to its author once, or an empty list when it is accepted as it is. */
export function revisionReasons(
  review: ChecklistReview,
  fileProblems: readonly FileProblem[],
  minCoverage: number,
): string[] {
  const reasons: string[] = [];
  const blockingMissing = review.items.filter((i) => i.blocking && i.grade === 'missing');
  if (blockingMissing.length > 0)
    reasons.push(`blocking items missing: ${blockingMissing.map((i) => i.id).join(', ')}`);
  if (review.coverage < minCoverage)
    reasons.push(
      `checklist coverage ${Math.round(review.coverage * 100)}% is under ${Math.round(minCoverage * 100)}%`,
    );
  if (fileProblems.length > 0)
    reasons.push(`file problems: ${fileProblems.map((p) => `${p.path} (${p.code})`).join(', ')}`);
  return reasons;
}

/** "checklist 9/10 (1 partial)": items met or partly met, of all, with the partial ones named. */
export function coverageLabel(review: Pick<ChecklistReview, 'met' | 'partial' | 'missing'>): string {
  const total = review.met + review.partial + review.missing;
  const covered = review.met + review.partial;
  return `checklist ${covered}/${total}${review.partial > 0 ? ` (${review.partial} partial)` : ''}`;
}

/** Items a stage still owes after its reviews: missing ones first, then partial, blocking first in each. */
export function stillOwed(review: ChecklistReview): ItemGrade[] {
  const rank = (i: ItemGrade) => (i.grade === 'missing' ? 0 : 2) + (i.blocking ? 0 : 1);
  return review.items.filter((i) => i.grade !== 'met').sort((a, b) => rank(a) - rank(b));
}

/** Why a stage's review is incomplete, when it is: a fixed reason, shown as our own words. */
export const REVIEW_CAVEATS = ['unreviewed', 'revision_failed', 'revision_unreviewed'] as const;
export type ReviewCaveat = (typeof REVIEW_CAVEATS)[number];

export const REVIEW_CAVEAT_TEXT: Record<ReviewCaveat, string> = {
  unreviewed: "not reviewed: the reviewer's answer could not be used",
  revision_failed: 'the revision failed; the first draft stands with its review',
  revision_unreviewed: 'the revision could not be reviewed; the coverage shown is of the first draft',
};

/** A stage's review in a line: what the project record, the stage note and `status` carry. */
export const reviewTallySchema = z.object({
  met: z.number().int().min(0),
  partial: z.number().int().min(0),
  missing: z.number().int().min(0),
  coverage: z.number().min(0).max(1),
  revised: z.boolean(),
  /** Ids of items still missing or partial, blocking first (at most 12). */
  owed: z.array(z.string()).max(12),
});
export type ReviewTally = z.infer<typeof reviewTallySchema>;

export function reviewTally(review: StageReview): ReviewTally {
  const { met, partial, missing, coverage } = review.final;
  return {
    met,
    partial,
    missing,
    coverage,
    revised: review.revised,
    owed: stillOwed(review.final)
      .slice(0, 12)
      .map((i) => i.id),
  };
}

/** Output tokens of one review: a grade with a quote per item, and a few sentences of advice. */
export const REVIEW_MAX_TOKENS = 8_000;
