import { SUMMARY_CAPS, type SummaryAnswer } from '../../src/domain/executive-summary.js';

/** A short summary in the current shape, for tests that only need one to exist. */
export function summaryAnswer(overrides: Partial<SummaryAnswer> = {}): SummaryAnswer {
  return {
    outcome: 'met',
    headline: 'done',
    deliverables: [],
    criteria: [],
    businessImpact: {
      summary: 'Fewer customers leave.',
      roi: { estimate: '$40k-$90k a year', assumptions: ['2% fewer cancellations'] },
      stages: [],
    },
    risks: [],
    resources: { people: 'one ML engineer', infrastructure: 'one GPU node', ongoingCost: '$300 a month' },
    nextSteps: [],
    ...overrides,
  };
}

/** Every list at its cap and every text at its maximum length, each made of `text` (repeated, cut). */
export function maximalSummary(text: string, stageIds: readonly string[]): SummaryAnswer {
  const C = SUMMARY_CAPS;
  const t = (n: number) => text.repeat(Math.ceil(n / Math.max(1, text.length))).slice(0, n);
  const refs = Array.from({ length: C.stageRefs }, (_, i) => stageIds[i % stageIds.length] ?? 'phase1.x');
  return {
    outcome: 'partially_met',
    headline: t(C.headline),
    deliverables: Array.from({ length: C.deliverables }, (_, i) => ({
      stageId: stageIds[i % stageIds.length] ?? 'phase1.x',
      line: t(C.deliverableLine),
    })),
    criteria: Array.from({ length: C.criteria }, () => ({
      criterion: t(C.criterion),
      status: 'partial' as const,
      evidence: t(C.evidence),
      stages: refs,
    })),
    businessImpact: {
      summary: t(C.impact),
      roi: {
        estimate: t(C.roiEstimate),
        assumptions: Array.from({ length: C.assumptions }, () => t(C.assumption)),
      },
      stages: refs,
    },
    risks: Array.from({ length: C.risks }, () => ({
      risk: t(C.risk),
      mitigation: t(C.mitigation),
      stages: refs,
    })),
    resources: { people: t(C.resource), infrastructure: t(C.resource), ongoingCost: t(C.resource) },
    nextSteps: Array.from({ length: C.nextSteps }, () => ({
      step: t(C.step),
      owner: t(C.owner),
      stages: refs,
    })),
  };
}
