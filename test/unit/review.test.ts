import { describe, expect, it } from 'vitest';
import type { ChecklistItem } from '../../src/domain/checklists.js';
import {
  coverageLabel,
  evidenceFound,
  gradeChecklist,
  reviewTally,
  revisionReasons,
  stillOwed,
} from '../../src/domain/review.js';

const items: ChecklistItem[] = [
  { id: 'de.sources', text: 'Sources named.', blocking: true },
  { id: 'de.quality-rules', text: 'Quality rules.', blocking: true },
  { id: 'de.cost', text: 'Cost estimate.', blocking: false },
  { id: 'de.lineage', text: 'Lineage.', blocking: false },
];
const delivered = {
  deliverable:
    '## Sources\nThe **events_raw** table (owner: platform team, Parquet, 40 GB/day).\n## Cost\nAbout $310 a month.',
  files: [
    {
      path: 'pipelines/quality.yaml',
      language: 'yaml',
      content: 'rules:\n  - name: null_rate\n    max: 0.01\n',
    },
  ],
};

describe('grading a checklist', () => {
  it('gives every item a grade in checklist order: skipped items are missing, invented ids ignored', () => {
    const review = gradeChecklist(
      items,
      {
        grades: [
          { id: 'de.cost', grade: 'partial', evidence: 'About $310 a month', gap: 'no cheaper option' },
          { id: 'de.sources', grade: 'met', evidence: 'The events_raw table (owner: platform team' },
          { id: 'de.invented', grade: 'met', evidence: 'whatever it says' },
        ],
        comments: 'Add lineage.',
      },
      delivered,
    );
    expect(review.items.map((i) => [i.id, i.grade])).toEqual([
      ['de.sources', 'met'],
      ['de.quality-rules', 'missing'],
      ['de.cost', 'partial'],
      ['de.lineage', 'missing'],
    ]);
    expect(review.coverage).toBe(0.375);
    expect(coverageLabel(review)).toBe('checklist 2/4 (1 partial)');
    expect(stillOwed(review).map((i) => i.id)).toEqual(['de.quality-rules', 'de.lineage', 'de.cost']);
    expect(reviewTally({ first: review, final: review, revised: false, model: 'm' }).owed).toEqual([
      'de.quality-rules',
      'de.lineage',
      'de.cost',
    ]);
  });

  it('turns "met" into "partial" when the quote is not in the deliverable or its files', () => {
    const review = gradeChecklist(
      items.slice(0, 2),
      {
        grades: [
          { id: 'de.sources', grade: 'met', evidence: 'Sources are the CRM and billing exports' },
          { id: 'de.quality-rules', grade: 'met', evidence: 'name: null_rate\n    max: 0.01' },
        ],
        comments: '',
      },
      delivered,
    );
    expect(review.items.map((i) => i.grade)).toEqual(['partial', 'met']);
    expect(review.items[0]?.gap).toContain('not found');
  });

  it('finds quotes whatever their whitespace, case, Markdown marks or ellipses', () => {
    expect(
      evidenceFound('the EVENTS_RAW table (owner: platform team, parquet', delivered.deliverable, []),
    ).toBe(true);
    expect(evidenceFound('…events_raw table … About $310 a month.', delivered.deliverable, [])).toBe(true);
    expect(evidenceFound('events_raw … $999 a month', delivered.deliverable, [])).toBe(false);
    expect(evidenceFound('ok', delivered.deliverable, [])).toBe(false); // too short to prove anything
  });

  it('sends a stage back for a missing blocking item, low coverage or a file problem, and only then', () => {
    const all = (grade: 'met' | 'partial' | 'missing') =>
      gradeChecklist(
        items,
        { grades: items.map((i) => ({ id: i.id, grade, evidence: 'The events_raw table' })), comments: '' },
        delivered,
      );
    expect(revisionReasons(all('met'), [], 0.8)).toEqual([]);
    expect(revisionReasons(all('partial'), [], 0.8)).toEqual(['checklist coverage 50% is under 80%']);
    expect(revisionReasons(all('missing'), [], 0)[0]).toBe(
      'blocking items missing: de.sources, de.quality-rules',
    );
    expect(
      revisionReasons(
        all('met'),
        [{ code: 'parse_error', path: 'k8s/a.yaml', message: 'YAML does not parse' }],
        0.8,
      ),
    ).toEqual(['file problems: k8s/a.yaml (parse_error)']);
  });

  it('counts an empty checklist as fully covered', () => {
    const review = gradeChecklist([], { grades: [], comments: '' }, delivered);
    expect(review.coverage).toBe(1);
    expect(coverageLabel(review)).toBe('checklist 0/0');
  });
});
