import { DEFAULT_STAGE_LIMITS, type StageOutputLimits, stageOutputLimit } from './model-output.js';
import type { Plan, Stage } from './plan.js';
import type { ModelPrice } from './pricing.js';
import type { Project } from './project.js';
import { REVIEW_MAX_TOKENS } from './review.js';

/**
 * What model work may cost, priced before it is asked for (DESIGN.md, "Spending"). Pure arithmetic on
 * the price table and prompt sizes; the agents worker makes the binding check, call by call, against the
 * same prices and the real prompt.
 */

/** Rough token count (about four characters a token for English and code); good enough for budgets. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/**
 * The most one call can cost: every input token billed at the dearer of the input and cache-write price
 * (the prompt's stable blocks may be written to the cache), and the whole output limit used.
 */
export function maxCallUsd(price: ModelPrice, inputTokens: number, maxOutputTokens: number): number {
  const perToken = (perMillion: number) => perMillion / 1_000_000;
  return (
    inputTokens * perToken(Math.max(price.input, price.cacheWrite)) + maxOutputTokens * perToken(price.output)
  );
}

export interface ForecastSettings {
  /** Price of the model the stages run on. */
  price: ModelPrice;
  /** Tokens of a stage prompt before its task and inputs: charter, role, requirements, plan outline. */
  stagePromptTokens: number;
  /** Tokens of one upstream deliverable placed in a stage prompt, at most. */
  inputTokenBudget: number;
  /** Tokens of remembered items placed in a stage prompt, at most. */
  memoryTokenBudget: number;
  /** Output tokens a stage may write, by role (STAGE_MAX_TOKENS…); default: 32,000 for every role. */
  stageLimits?: StageOutputLimits;
  /** Each stage's independent review is priced in (REVIEW); its revision round is not: it may not happen. */
  reviews?: boolean;
}

/** Tokens of the reviewer's standing instructions, the requirements and the stage's checklist. */
export const REVIEW_PROMPT_TOKENS = 3_000;

/** The most one try of a stage can cost, from the sizes its prompt can reach. */
export function forecastStageUsd(stage: Stage, f: ForecastSettings): number {
  const input =
    f.stagePromptTokens +
    estimateTokens(stage.task) +
    stage.reads.length * f.inputTokenBudget +
    f.memoryTokenBudget;
  const output = stageOutputLimit(f.stageLimits ?? DEFAULT_STAGE_LIMITS, stage.role);
  // The review reads what the stage wrote, at most its whole output limit.
  const review = f.reviews ? maxCallUsd(f.price, REVIEW_PROMPT_TOKENS + output, REVIEW_MAX_TOKENS) : 0;
  return maxCallUsd(f.price, input, output) + review;
}

export interface PlanForecast {
  stages: Array<{ stageId: string; usd: number }>;
  totalUsd: number;
}

export function forecastPlan(plan: Plan, f: ForecastSettings): PlanForecast {
  const stages = plan.stages.map((s) => ({ stageId: s.id, usd: forecastStageUsd(s, f) }));
  return { stages, totalUsd: stages.reduce((sum, s) => sum + s.usd, 0) };
}

/** What the run has spent, on what: each stage's calls, and the project manager's (questions, plan, summary). */
export function spentOnWhat(project: Project): Array<{ label: string; usd: number }> {
  const lines: Array<{ label: string; usd: number }> = [];
  let stagesUsd = 0;
  for (const stage of project.plan?.stages ?? []) {
    const usd = project.stages[stage.id]?.spentUsd ?? 0;
    stagesUsd += usd;
    if (usd > 0) lines.push({ label: stage.id, usd });
  }
  const managerUsd = Math.max(0, project.usage.costUsd - stagesUsd);
  if (managerUsd > 0.000_001)
    lines.unshift({ label: 'project manager (questions, plan, summary)', usd: managerUsd });
  return lines;
}

/** "$0.42", "<$0.01", "$12.00". */
export function formatUsd(usd: number): string {
  if (usd > 0 && usd < 0.01) return '<$0.01';
  return `$${usd.toFixed(2)}`;
}
