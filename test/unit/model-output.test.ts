import { describe, expect, it } from 'vitest';
import { stageOutputSchema } from '../../src/agents/jobs/stage.js';
import { OfflineProvider } from '../../src/agents/model/offline/index.js';
import type { ModelProgress } from '../../src/agents/model/provider.js';
import { loadConfig } from '../../src/app/config.js';
import { DEFAULT_EFFORT } from '../../src/domain/model-output.js';
import { asTailoredPlan, defaultPlan } from '../../src/domain/plan.js';
import { parsePriceTable, priceFor } from '../../src/domain/pricing.js';
import { REVIEW_MAX_TOKENS } from '../../src/domain/review.js';
import { forecastStageUsd, maxCallUsd, REVIEW_PROMPT_TOKENS } from '../../src/domain/spending.js';
import { type StageProgress, withStageProgress } from '../../src/domain/stage-progress.js';
import type { StatusView } from '../../src/domain/views.js';
import { FIXTURE_REQUIREMENTS } from '../support/fixtures.js';

describe('stage output limits and effort (config)', () => {
  it('defaults: 32,000 output tokens for every role; more effort for the plan and the review', () => {
    const c = loadConfig({});
    expect(c.modelOutput.stageLimits).toEqual({ default: 32_000, byRole: {} });
    expect(c.modelOutput.effort).toEqual(DEFAULT_EFFORT);
    expect(c.modelOutput.effort).toMatchObject({
      plan: 'high',
      review: 'high',
      stage: 'medium',
      clarify: 'low',
    });
    expect(c.modelOutput.progressIntervalMs).toBe(2_000);
  });

  it('takes a stage limit and per-role limits, and refuses what no role or API would take', () => {
    const c = loadConfig({ STAGE_MAX_TOKENS: '24000', STAGE_MAX_TOKENS_BY_ROLE: '{"ml-engineer": 48000}' });
    expect(c.modelOutput.stageLimits).toEqual({ default: 24_000, byRole: { 'ml-engineer': 48_000 } });
    expect(() => loadConfig({ STAGE_MAX_TOKENS_BY_ROLE: '{"wizard": 48000}' })).toThrow(
      /STAGE_MAX_TOKENS_BY_ROLE/,
    );
    expect(() => loadConfig({ STAGE_MAX_TOKENS_BY_ROLE: '{"ml-engineer": 48000' })).toThrow(
      /STAGE_MAX_TOKENS_BY_ROLE/,
    );
    expect(() => loadConfig({ STAGE_MAX_TOKENS: '500000' })).toThrow(/STAGE_MAX_TOKENS/);
  });

  it('sets effort for every kind at once or one kind at a time; `off` leaves it out', () => {
    expect(loadConfig({ MODEL_EFFORT: 'off' }).modelOutput.effort).toEqual({
      clarify: undefined,
      plan: undefined,
      stage: undefined,
      review: undefined,
      summary: undefined,
    });
    const c = loadConfig({ MODEL_EFFORT: 'Low', MODEL_EFFORT_REVIEW: 'max', MODEL_EFFORT_STAGE: 'off' });
    expect(c.modelOutput.effort).toEqual({
      clarify: 'low',
      plan: 'low',
      stage: undefined,
      review: 'max',
      summary: 'low',
    });
    expect(() => loadConfig({ MODEL_EFFORT_PLAN: 'extreme' })).toThrow(/MODEL_EFFORT_PLAN/);
  });
});

describe('stage output limits in the cost forecast', () => {
  it('prices a stage at its role’s limit', () => {
    const plan = defaultPlan(FIXTURE_REQUIREMENTS);
    const stage = plan.stages.find((s) => s.role === 'data-engineer');
    if (!stage) throw new Error('no data-engineer stage');
    const price = priceFor(parsePriceTable(undefined), 'claude-sonnet-5-5');
    const f = { price, stagePromptTokens: 1_000, inputTokenBudget: 1_000, memoryTokenBudget: 500 };
    const at = (tokens: number) =>
      forecastStageUsd(stage, {
        ...f,
        stageLimits: { default: 32_000, byRole: { 'data-engineer': tokens } },
      });
    expect(forecastStageUsd(stage, f)).toBeCloseTo(at(32_000), 10);
    expect(at(64_000) - at(32_000)).toBeCloseTo((32_000 * price.output) / 1_000_000, 10);
    // With reviewing on, each stage's review is priced in: it reads at most the whole output, writes its grades.
    const reviewed = forecastStageUsd(stage, { ...f, reviews: true });
    expect(reviewed - forecastStageUsd(stage, f)).toBeCloseTo(
      maxCallUsd(price, REVIEW_PROMPT_TOKENS + 32_000, REVIEW_MAX_TOKENS),
      10,
    );
  });
});

describe('stage progress on the status view', () => {
  const view: StatusView = {
    type: 'status',
    phase: 'running',
    usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, calls: 0, costUsd: 0 },
    stages: [
      { id: 'a', role: 'data-engineer', phase: 1, state: 'running', needsApproval: false, attempt: 2 },
      { id: 'b', role: 'python-pro', phase: 1, state: 'running', needsApproval: false, attempt: 1 },
      { id: 'c', role: 'python-pro', phase: 1, state: 'done', needsApproval: false, attempt: 1 },
    ],
  };
  const record = (attempt: number): StageProgress => ({
    attempt,
    step: 'reviewing',
    outputTokens: 1_200,
    maxTokens: 8_000,
    updatedAt: 1,
  });

  it('shows a running stage’s progress, not an earlier attempt’s nor a finished stage’s', () => {
    const shown = withStageProgress(
      view,
      new Map([
        ['a', record(2)],
        ['b', record(1 + 1)],
        ['c', record(1)],
      ]),
    );
    expect(shown.stages.map((s) => s.progress)).toEqual([
      { step: 'reviewing', outputTokens: 1_200, maxTokens: 8_000 },
      undefined,
      undefined,
    ]);
  });
});

describe('the offline model', () => {
  it('reports a few steps of progress up to its whole answer', async () => {
    const plan = asTailoredPlan(defaultPlan(FIXTURE_REQUIREMENTS), 'kept');
    const stage = plan.stages[0];
    if (!stage) throw new Error('no stage');
    const project = {
      id: 'T1-C1-1.0',
      requirements: FIXTURE_REQUIREMENTS,
      plan,
      request: 'build a churn model',
      decisions: [],
    };
    const seen: ModelProgress[] = [];
    const result = await new OfflineProvider({ latencyMs: 0 }).structured(
      {
        system: [],
        user: '',
        purpose: { job: 'stage', project, stage, attempt: 1, inputs: new Map() } as never,
        maxTokens: 32_000,
        onProgress: (p) => seen.push(p),
      },
      stageOutputSchema,
    );
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen.at(-1)).toEqual({
      outputTokens: Math.ceil(JSON.stringify(result.value).length / 4),
      maxTokens: 32_000,
    });
  });
});
