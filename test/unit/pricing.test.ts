import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/domain/errors.js';
import { costUsd, DEFAULT_PRICES, parsePriceTable, priceFor } from '../../src/domain/pricing.js';

describe('cost estimates', () => {
  it('prices each kind of token, cache reads far below input', () => {
    const price = { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 };
    expect(
      costUsd(price, { inputTokens: 1_000_000, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 }),
    ).toBeCloseTo(3);
    expect(
      costUsd(price, { inputTokens: 0, outputTokens: 0, cacheReadTokens: 1_000_000, cacheWriteTokens: 0 }),
    ).toBeCloseTo(0.3);
    expect(
      costUsd(price, {
        inputTokens: 1000,
        outputTokens: 1000,
        cacheReadTokens: 1000,
        cacheWriteTokens: 1000,
      }),
    ).toBeCloseTo(0.02205);
  });

  it('finds a model by exact name, then by family', () => {
    const table = parsePriceTable(
      '{"claude-sonnet-5-5": {"input": 2, "output": 10, "cacheRead": 0.2, "cacheWrite": 2.5}}',
    );
    expect(priceFor(table, 'claude-sonnet-5-5').input).toBe(2);
    expect(priceFor(table, 'claude-haiku-5-5')).toEqual(DEFAULT_PRICES.haiku);
    expect(priceFor(table, 'some-new-model')).toEqual(DEFAULT_PRICES.sonnet);
  });

  it('refuses a malformed MODEL_PRICES with a message that shows the shape', () => {
    expect(() => parsePriceTable('{oops')).toThrow(ConfigError);
    expect(() => parsePriceTable('{"m": {"input": -1}}')).toThrow(/MODEL_PRICES/);
  });
});
