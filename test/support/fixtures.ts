import type { Deliverable } from '../../src/domain/deliverable.js';
import { DEFAULT_STACK, type Requirements } from '../../src/domain/requirements.js';
import { ZERO_USAGE } from '../../src/domain/usage.js';

/** What the project manager's clarification settles on in the tests and benchmarks. */
export const FIXTURE_REQUIREMENTS: Requirements = {
  objective: 'Predict churn for subscribers and serve it behind an API',
  dataSources: ['postgres: subscriptions'],
  targetMetric: 'AUC',
  baseline: '0.70 from the rules engine',
  constraints: { latency: 'p99 < 100 ms', budget: '$2k/month', compliance: 'GDPR' },
  stack: DEFAULT_STACK,
  successCriteria: ['AUC > 0.80'],
};

/** A stage deliverable as the tests build them: `overrides` say what the test is about. */
export function deliverableFixture(overrides: Partial<Deliverable> & { stageId: string }): Deliverable {
  return {
    attempt: 1,
    role: overrides.stageId.split('.')[1] ?? 'data-engineer',
    summary: 'ok',
    deliverable: 'd',
    digest: 'd',
    usage: ZERO_USAGE,
    model: 'm',
    degraded: false,
    jobAttempts: 1,
    workerId: 'w',
    startedAt: 0,
    producedAt: 1,
    ...overrides,
  };
}
