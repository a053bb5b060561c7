import { z } from 'zod';
import { ConfigError } from './errors.js';

/** US dollars per million tokens. */
export const modelPriceSchema = z.object({
  input: z.number().min(0),
  output: z.number().min(0),
  cacheRead: z.number().min(0),
  cacheWrite: z.number().min(0),
});
export type ModelPrice = z.infer<typeof modelPriceSchema>;
export type PriceTable = Record<string, ModelPrice>;

/** The offline model (no API key): it runs locally and costs nothing. */
export const FREE: ModelPrice = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };

const SONNET: ModelPrice = { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 };
const HAIKU: ModelPrice = { input: 1, output: 5, cacheRead: 0.1, cacheWrite: 1.25 };
const OPUS: ModelPrice = { input: 5, output: 25, cacheRead: 0.5, cacheWrite: 6.25 };

/**
 * Built-in estimates by model family; MODEL_PRICES overrides or extends them. A model not listed is
 * priced by its family name (opus/haiku/sonnet), and as sonnet when that fails too: costs are estimates.
 */
export const DEFAULT_PRICES: PriceTable = { sonnet: SONNET, haiku: HAIKU, opus: OPUS };

export function parsePriceTable(json: string | undefined): PriceTable {
  if (!json) return DEFAULT_PRICES;
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch {
    throw new ConfigError(
      'MODEL_PRICES is not valid JSON; expected {"<model>": {"input": 3, "output": 15, "cacheRead": 0.3, "cacheWrite": 3.75}}',
    );
  }
  const parsed = z.record(z.string(), modelPriceSchema).safeParse(data);
  if (!parsed.success) {
    throw new ConfigError(
      `MODEL_PRICES: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return { ...DEFAULT_PRICES, ...parsed.data };
}

export function priceFor(table: PriceTable, model: string): ModelPrice {
  const exact = table[model];
  if (exact) return exact;
  for (const family of ['opus', 'haiku', 'sonnet']) {
    const price = table[family];
    if (model.includes(family) && price) return price;
  }
  return table.sonnet ?? SONNET;
}

export interface TokenCounts {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

export function costUsd(price: ModelPrice, t: TokenCounts): number {
  const perToken = (perMillion: number) => perMillion / 1_000_000;
  return (
    t.inputTokens * perToken(price.input) +
    t.outputTokens * perToken(price.output) +
    t.cacheReadTokens * perToken(price.cacheRead) +
    t.cacheWriteTokens * perToken(price.cacheWrite)
  );
}
