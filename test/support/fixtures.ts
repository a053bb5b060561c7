import { DEFAULT_STACK, type Requirements } from '../../src/domain/requirements.js';

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
