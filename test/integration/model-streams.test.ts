import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AnthropicProvider } from '../../src/agents/model/anthropic.js';
import { ModelCallError } from '../../src/agents/model/errors.js';
import type { ModelProgress, ModelPrompt } from '../../src/agents/model/provider.js';
import { asTailoredPlan, defaultPlan } from '../../src/domain/plan.js';
import { parsePriceTable } from '../../src/domain/pricing.js';
import type { Usage } from '../../src/domain/usage.js';
import { type AnthropicStandIn, startAnthropicStandIn } from '../support/anthropic-stand-in.js';
import { FIXTURE_REQUIREMENTS } from '../support/fixtures.js';

/** The provider against the Messages API stand-in: every call streams, and a stream is one request. */

const answerSchema = z.object({ text: z.string() });
const LONG = 'x'.repeat(20_000);

let model: AnthropicStandIn;
beforeAll(async () => {
  model = await startAnthropicStandIn();
});
afterAll(() => model.close());
beforeEach(() => model.reset());

function provider(onUsage?: (u: Usage) => void) {
  return new AnthropicProvider(
    {
      apiKey: 'test',
      baseUrl: model.url,
      model: 'claude-sonnet-5-5',
      maxRetries: 2,
      timeoutMs: 5_000,
      prices: parsePriceTable(undefined),
    },
    pino({ level: 'silent' }),
    onUsage ? { onUsage } : {},
  );
}

function prompt(extra: Partial<ModelPrompt> = {}): ModelPrompt {
  const plan = defaultPlan(FIXTURE_REQUIREMENTS);
  return {
    system: ['charter'],
    user: 'Write it.',
    purpose: {
      job: 'plan',
      project: { id: 'p1', requirements: FIXTURE_REQUIREMENTS, plan: asTailoredPlan(plan, '') },
    } as unknown as ModelPrompt['purpose'],
    maxTokens: 32_000,
    ...extra,
  };
}

describe('streamed model calls', () => {
  it('assembles the streamed answer, reports its progress as it arrives, and counts one call', async () => {
    model.enqueue({ json: { text: LONG } });
    model.controlStreams(() => true, { chunkChars: 500 });
    const seen: ModelProgress[] = [];
    const usages: Usage[] = [];
    const result = await provider((u) => usages.push(u)).structured(
      prompt({ effort: 'high', onProgress: (p) => seen.push(p) }),
      answerSchema,
    );
    expect(result.value.text).toBe(LONG);
    expect(model.requests).toHaveLength(1);
    expect(model.requests[0]?.body).toMatchObject({ stream: true, output_config: { effort: 'high' } });
    expect(usages).toHaveLength(1);
    expect(result.usage.calls).toBe(1);
    expect(result.usage.outputTokens).toBe(Math.ceil(JSON.stringify({ text: LONG }).length / 4));
    // Throttled (every 250 tokens or so, not every chunk), rising, against the call's limit.
    expect(seen.length).toBeGreaterThan(10);
    expect(seen.length).toBeLessThan(40);
    expect(
      seen.every(
        (p, i) => p.maxTokens === 32_000 && (i === 0 || p.outputTokens > (seen[i - 1]?.outputTokens ?? 0)),
      ),
    ).toBe(true);
    expect(seen.at(-1)?.outputTokens).toBeGreaterThan(4_500);
  });

  it('leaves the effort out when none is asked for', async () => {
    await provider().structured(prompt(), answerSchema);
    expect(model.requests[0]?.body.output_config).not.toHaveProperty('effort');
  });

  it('a stream that breaks off mid-answer is a retryable model error, and is not asked again', async () => {
    model.enqueue({ json: { text: LONG } });
    model.controlStreams(() => true, { chunkChars: 500, breakAfterChunks: 10 });
    const seen: ModelProgress[] = [];
    const error = await provider()
      .structured(prompt({ onProgress: (p) => seen.push(p) }), answerSchema)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelCallError);
    expect(error).toMatchObject({ code: 'model_unavailable', retryable: true });
    expect(String((error as Error).message)).toMatch(/Overloaded/);
    expect(model.requests).toHaveLength(1);
    expect(seen.length).toBeGreaterThan(0);
  });

  it('an abort mid-stream stops the call with the stage-timeout error', async () => {
    model.enqueue({ json: { text: LONG } });
    const control = model.controlStreams(() => true, { chunkChars: 500, pauseEveryChunks: 4 });
    const abort = new AbortController();
    const call = provider()
      .structured(prompt({ signal: abort.signal }), answerSchema)
      .catch((e: unknown) => e);
    await control.paused();
    abort.abort();
    const error = await call;
    control.release();
    expect(error).toBeInstanceOf(ModelCallError);
    expect(String((error as Error).message)).toMatch(/aborted|timed out/);
    expect(model.requests).toHaveLength(1);
  });
});
