import { assertNever } from '../../../domain/assert-never.js';
import type { ChecklistItem } from '../../../domain/checklists.js';
import { effectiveChecklist } from '../../../domain/checklists.js';
import type { ReviewOutput } from '../../../domain/review.js';
import type { ModelPurpose } from '../provider.js';
import { seededRng } from './seed.js';

type StagePurpose = Extract<ModelPurpose, { job: 'stage' }>;
type ReviewPurpose = Extract<ModelPurpose, { job: 'review' }>;

/** How the offline author answers one checklist item: fully, as an outline (partial), or not at all. */
type Answer = 'full' | 'outline' | 'omitted';

/**
 * Which items a draft answers and how. A first draft, like a real one, sometimes leaves an item as an
 * outline or forgets one (now and then a blocking one, which sends it back); a revision answers everything
 * its review found lacking. Deterministic per project, stage and attempt.
 */
export function checklistAnswers(p: StagePurpose): Map<string, Answer> {
  const items = effectiveChecklist(p.stage);
  const answers = new Map<string, Answer>(items.map((i) => [i.id, 'full']));
  if (p.revision) return answers;
  const rng = seededRng('checklist', p.project.id, p.stage.id, p.attempt);
  const optional = items.filter((i) => !i.blocking);
  const blocking = items.filter((i) => i.blocking);
  const one = (from: readonly ChecklistItem[]) => from[rng.int(0, from.length - 1)]?.id ?? '';
  const roll = rng.next();
  if (roll < 0.2 && blocking.length > 0) answers.set(one(blocking), 'omitted');
  else if (roll < 0.5 && optional.length > 0) answers.set(one(optional), 'outline');
  else if (roll < 0.7 && optional.length > 1) answers.set(one(optional), 'omitted');
  return answers;
}

/** The deliverable's checklist section: one line per answered item, naming it so a reviewer can quote it. */
export function checklistSection(
  items: readonly ChecklistItem[],
  answers: ReadonlyMap<string, Answer>,
  slug: string,
): string {
  const line = (item: ChecklistItem): string[] => {
    const answer = answers.get(item.id) ?? 'full';
    switch (answer) {
      case 'full':
        return [
          `- \`${item.id}\`: ${item.text} For \`${slug}\` this is set out in the sections and files above.`,
        ];
      case 'outline':
        return [`- \`${item.id}\` (outline): to be detailed in the next iteration.`];
      case 'omitted':
        return [];
      default:
        return assertNever(answer);
    }
  };
  const lines = items.flatMap(line);
  return lines.length > 0 ? `## Checklist\n${lines.join('\n')}` : '';
}

/**
 * The offline reviewer: an item is met when the deliverable answers it on a line that names it, partial when
 * that line is only an outline, missing when no line names it. Evidence is quoted from that line.
 */
export function composeReview(p: ReviewPurpose): ReviewOutput {
  const lines = p.deliverable.split('\n');
  const grades = p.checklist.map((item) => {
    const line = lines.find((l) => l.includes(`\`${item.id}\``));
    if (!line)
      return { id: item.id, grade: 'missing' as const, evidence: '', gap: `Nothing covers: ${item.text}` };
    const evidence = line.replace(/^[-*]\s*/, '').slice(0, 280);
    if (line.includes('(outline)'))
      return {
        id: item.id,
        grade: 'partial' as const,
        evidence,
        gap: 'Only an outline: give the names, numbers and thresholds.',
      };
    return { id: item.id, grade: 'met' as const, evidence };
  });
  const lacking = grades.filter((g) => g.grade !== 'met').map((g) => g.id);
  return {
    grades,
    comments:
      lacking.length === 0
        ? 'Every checklist item is covered concretely. Reviewed by the offline model, not by Claude.'
        : `Cover ${lacking.join(', ')} concretely before this is relied on. Reviewed by the offline model, not by Claude.`,
  };
}
