import { describe, expect, it } from 'vitest';
import { coverageSection, owedLine, reviewLine } from '../../src/bot/views/review.js';
import { renderStageNote } from '../../src/bot/views/run.js';
import type { StageLine } from '../../src/domain/views.js';

const tally = (met: number, partial: number, missing: number, owed: string[] = [], revised = false) => ({
  met,
  partial,
  missing,
  coverage: (met + partial / 2) / (met + partial + missing),
  revised,
  owed,
});
const line = (id: string, review?: ReturnType<typeof tally>): StageLine => ({
  id,
  role: 'data-engineer',
  phase: 1,
  state: 'done',
  needsApproval: false,
  ...(review ? { review } : {}),
});

describe('how a review reads in Slack', () => {
  it('says coverage, revision and files in a few words, and what is still owed', () => {
    expect(reviewLine(tally(8, 1, 1, ['de.cost', 'de.lineage'], true), 3)).toBe(
      'checklist 9/10 (1 partial) · revised after review · 3 files',
    );
    expect(reviewLine(undefined, 1)).toBe('1 file');
    expect(reviewLine(undefined, undefined)).toBe('');
    expect(owedLine(tally(8, 1, 1, ['de.cost', 'de.lineage']))).toBe('still owed: `de.cost`, `de.lineage`');
  });

  it('puts the review under the stage note, and nothing when the stage was not reviewed', () => {
    const note = renderStageNote({
      type: 'stage_note',
      stageId: 'phase1.data-engineer',
      role: 'data-engineer',
      outcome: 'done',
      text: 'Ingestion designed.',
      review: tally(9, 0, 0, [], true),
      files: 2,
    });
    expect(JSON.stringify(note.blocks.at(-1))).toContain('checklist 9/9 · revised after review · 2 files');
    const plain = renderStageNote({
      type: 'stage_note',
      stageId: 'phase1.data-engineer',
      role: 'data-engineer',
      outcome: 'done',
      text: 'Ingestion designed.',
    });
    expect(plain.blocks).toHaveLength(1);
  });

  it('lists reviewed stages worst first in the summary, with the mean', () => {
    const section = coverageSection([
      line('phase1.a', tally(9, 0, 0)),
      line('phase2.b', tally(6, 2, 2, ['x.one', 'x.two'])),
      line('phase3.unreviewed'),
    ]);
    expect(section.split('\n')).toEqual([
      '*Checklist coverage after independent review* (mean 85%)',
      '• `phase2.b`: 70% · checklist 8/10 (2 partial) · still owed: `x.one`, `x.two`',
      '• `phase1.a`: 100% · checklist 9/9',
    ]);
    expect(coverageSection([line('phase3.unreviewed')])).toBe('');
  });
});
