import { estimateTokens } from '../../domain/spending.js';

/** Fitting ranked memory items into a prompt's token budget, counted as every budget is (domain/spending.ts). */

export interface BudgetFit<T> {
  kept: T[];
  /** Items left out because they did not fit. */
  omitted: number;
  /** Estimated tokens of the kept items. */
  tokens: number;
}

/**
 * Keeps items, in the given (ranked) order, while they fit in `tokenBudget` (~4 characters per token of
 * `toText(item)`, JSON by default). An item that does not fit is left out and smaller ones after it are
 * still tried, so a lower-ranked item is only ever kept in room no higher-ranked item could use.
 */
export function fitToBudget<T>(
  items: readonly T[],
  tokenBudget: number,
  toText: (item: T) => string = defaultText,
): BudgetFit<T> {
  const kept: T[] = [];
  let tokens = 0;
  const budget = Math.max(0, Math.floor(tokenBudget));
  for (const item of items) {
    const cost = estimateTokens(toText(item));
    if (tokens + cost <= budget) {
      kept.push(item);
      tokens += cost;
    }
  }
  return { kept, omitted: items.length - kept.length, tokens };
}

function defaultText(item: unknown): string {
  return typeof item === 'string' ? item : (JSON.stringify(item) ?? '');
}
