import { defaultPlan } from '../../src/domain/plan.js';
import { newProject, type Project } from '../../src/domain/project.js';
import { FIXTURE_REQUIREMENTS } from './fixtures.js';

const T0 = Date.UTC(2025, 0, 6, 9, 0, 0);
const min = (m: number) => T0 + m * 60_000;
const usage = (tokens: number, usd: number) => ({
  inputTokens: Math.round(tokens * 0.7),
  outputTokens: Math.round(tokens * 0.3),
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  costUsd: usd,
  calls: 1,
});

/**
 * A finished seven-stage run with everything the picture marks: a question the requester took ten minutes
 * to answer, a stage retried after it failed, a model job that took three tries, and a deploy gate that
 * waited forty minutes for its approver.
 */
export function sevenStageRun(): Project {
  const p = newProject({
    teamId: 'T1',
    channelId: 'C1',
    threadTs: '1736154000.000100',
    requesterId: 'U1',
    request: 'build a churn model',
    now: T0,
  });
  const plan = defaultPlan(FIXTURE_REQUIREMENTS);
  p.requirements = FIXTURE_REQUIREMENTS;
  p.plan = plan;
  p.phase = 'completed';
  p.clarification.transcript = [
    { from: 'project-manager', text: 'Which data?', at: min(1) },
    { from: 'requester', text: 'postgres', at: min(11) },
  ];
  p.decisions = [{ at: min(13), kind: 'plan', note: 'default plan' }];
  const ids = plan.stages.map((s) => s.id);
  const at = (i: number) => ids[i] as string;
  const done = (start: number, end: number, tokens: number, usd: number) => ({
    state: 'done' as const,
    attempt: 1,
    queuedAt: min(start),
    startedAt: min(start),
    finishedAt: min(end),
    usage: usage(tokens, usd),
    spentUsd: usd,
    jobAttempts: 1,
  });
  p.stages = {
    [at(0)]: done(13, 20, 12_000, 0.31),
    [at(1)]: {
      ...done(32, 40, 15_000, 0.52),
      attempt: 2,
      earlierAttempts: [{ attempt: 1, state: 'failed', startedAt: min(20), finishedAt: min(27) }],
    },
    [at(2)]: { ...done(40, 52, 20_000, 0.61), jobAttempts: 3 },
    [at(3)]: done(40, 47, 9_000, 0.22),
    [at(4)]: {
      ...done(92, 100, 11_000, 0.4),
      gateOpenedAt: min(52),
      gateRound: 1,
      decision: { verdict: 'approved', by: 'U2', at: min(92) },
    },
    [at(5)]: {
      ...done(100, 108, 10_000, 0.35),
      gateOpenedAt: min(100),
      gateRound: 1,
      decision: { verdict: 'approved', by: 'U2', at: min(100) },
    },
    [at(6)]: done(108, 115, 8_000, 0.27),
  };
  p.usage = { ...usage(95_000, 2.98), calls: 12 };
  p.updatedAt = min(117);
  return p;
}

export const RUN_PICTURE_T0 = T0;
export const atMinute = min;
