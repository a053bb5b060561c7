import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../src/agents/backoff.js';
import { retryAfterMs } from '../../src/agents/model/errors.js';

describe('backoff between model-job attempts', () => {
  it('doubles per attempt, with jitter between half and all of the step', () => {
    expect(backoffDelay(1, 1000, undefined, () => 0)).toBe(500);
    expect(backoffDelay(1, 1000, undefined, () => 1)).toBe(1000);
    expect(backoffDelay(3, 1000, undefined, () => 0)).toBe(2000);
    expect(backoffDelay(3, 1000, undefined, () => 1)).toBe(4000);
  });

  it('never comes back sooner than retry-after', () => {
    expect(backoffDelay(1, 1000, 30_000, () => 1)).toBe(30_000);
  });

  it('caps the step at ten minutes', () => {
    expect(backoffDelay(40, 1000, undefined, () => 1)).toBe(600_000);
  });

  it('reads retry-after as seconds, as a date, and retry-after-ms', () => {
    expect(retryAfterMs(new Headers({ 'retry-after': '7' }))).toBe(7000);
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '250' }))).toBe(250);
    const now = Date.parse('2026-11-21T10:00:00Z');
    expect(retryAfterMs(new Headers({ 'retry-after': 'Sat, 21 Nov 2026 10:00:05 GMT' }), now)).toBe(5000);
    expect(retryAfterMs(new Headers({}))).toBeUndefined();
  });
});
