import Anthropic from '@anthropic-ai/sdk';
import { zodOutputFormat } from '@anthropic-ai/sdk/helpers/zod';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { ModelOutputError } from '../../domain/errors.js';
import { costUsd, type PriceTable, priceFor } from '../../domain/pricing.js';
import { estimateTokens, maxCallUsd } from '../../domain/spending.js';
import { addUsage, type Usage, ZERO_USAGE } from '../../domain/usage.js';
import type { CircuitBreaker } from '../../memory/circuit-breaker.js';
import { classifyModelError } from './anthropic-errors.js';
import { BreakerOpenError, ModelCallError } from './errors.js';
import { progressMeter } from './progress.js';
import type { ModelPrompt, ModelProvider, ModelResult } from './provider.js';

export interface AnthropicProviderOptions {
  apiKey: string | undefined;
  baseUrl: string | undefined;
  model: string;
  maxRetries: number;
  timeoutMs: number;
  prices: PriceTable;
}

/**
 * The one way Pipewright talks to Claude. Every request streams (the SDK's `messages.stream`, its final
 * message assembled by the SDK): a long deliverable is not cut off by a request timeout, which bounds the
 * wait for the answer to start, and the answer's progress can be shown as it is written. A stream is one
 * request, priced and billed once; one that breaks off is not asked again here (the SDK retries only
 * until the answer starts, the queue decides the rest). The SDK retries 429/5xx itself, honouring
 * retry-after; this class adds the shared circuit breaker, structured output with one repair attempt,
 * cost accounting, and errors that say whether the queue should try again.
 */
export class AnthropicProvider implements ModelProvider {
  private readonly anthropic: Anthropic;

  constructor(
    private readonly options: AnthropicProviderOptions,
    private readonly logger: Logger,
    private readonly hooks: { onUsage?: (usage: Usage) => void; breaker?: CircuitBreaker } = {},
  ) {
    this.anthropic = new Anthropic({
      apiKey: options.apiKey ?? null,
      ...(options.baseUrl ? { baseURL: options.baseUrl } : {}),
      maxRetries: options.maxRetries,
      timeout: options.timeoutMs,
    });
  }

  get model(): string {
    return this.options.model;
  }

  async text(prompt: ModelPrompt): Promise<ModelResult<string>> {
    const model = prompt.model ?? this.options.model;
    const { message, usage } = await this.call(prompt, model, [{ role: 'user', content: prompt.user }]);
    return { value: textOf(message), usage, model };
  }

  /** Asks for JSON matching `schema`; on a mismatch, shows the model its errors once, then gives up. */
  async structured<T>(prompt: ModelPrompt, schema: z.ZodType<T>): Promise<ModelResult<T>> {
    const model = prompt.model ?? this.options.model;
    const format = zodOutputFormat(schema);
    const outputConfig: Anthropic.OutputConfig = { format: { type: format.type, schema: format.schema } };
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: prompt.user }];
    let usage = ZERO_USAGE;
    let issues = '';
    for (let attempt = 1; attempt <= 2; attempt++) {
      const answer = await this.call(prompt, model, messages, outputConfig);
      usage = addUsage(usage, answer.usage);
      const raw = textOf(answer.message);
      const checked = checkJson(raw, schema);
      if (checked.ok) return { value: checked.value, usage, model };
      issues = checked.issues;
      this.logger.warn({ attempt, issues, model }, 'model output failed its schema');
      messages.push(
        { role: 'assistant', content: raw.length > 0 ? raw : '(empty)' },
        {
          role: 'user',
          content: `Your reply did not match the required JSON schema:\n${issues}\nReply again with only the corrected JSON object.`,
        },
      );
    }
    throw new ModelOutputError(issues);
  }

  private async call(
    prompt: ModelPrompt,
    model: string,
    messages: Anthropic.MessageParam[],
    outputConfig?: Anthropic.OutputConfig,
  ): Promise<{ message: Anthropic.Message; usage: Usage }> {
    const price = priceFor(this.options.prices, model);
    // Priced before it is made: the whole prompt at the dearest input rate, and the whole output limit.
    const promptTokens = estimateTokens(
      [
        ...prompt.system,
        ...messages.map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content))),
      ].join('\n'),
    );
    const settle = prompt.spend
      ? await prompt.spend.reserve(maxCallUsd(price, promptTokens, prompt.maxTokens))
      : undefined;
    let costUsdOfCall = 0;
    try {
      const answer = await this.admittedCall(prompt, model, messages, outputConfig);
      costUsdOfCall = answer.usage.costUsd;
      return answer;
    } finally {
      await settle?.(costUsdOfCall).catch((err: unknown) =>
        this.logger.warn(
          { err },
          'could not settle a spend reservation; the budget counts the reserved amount',
        ),
      );
    }
  }

  private async admittedCall(
    prompt: ModelPrompt,
    model: string,
    messages: Anthropic.MessageParam[],
    outputConfig?: Anthropic.OutputConfig,
  ): Promise<{ message: Anthropic.Message; usage: Usage }> {
    const breaker = this.hooks.breaker;
    const admission = breaker ? await breaker.admit() : undefined;
    if (admission && !admission.allowed) throw new BreakerOpenError(admission.retryAt);
    const probeToken = admission?.probeToken;
    const config: Anthropic.OutputConfig = {
      ...outputConfig,
      ...(prompt.effort ? { effort: prompt.effort } : {}),
    };
    try {
      const stream = this.anthropic.messages.stream(
        {
          model,
          max_tokens: prompt.maxTokens,
          // The API allows four breakpoints; prompts use at most three.
          system: prompt.system
            .slice(0, 4)
            .map((text) => ({ type: 'text' as const, text, cache_control: { type: 'ephemeral' as const } })),
          messages,
          ...(Object.keys(config).length > 0 ? { output_config: config } : {}),
        },
        prompt.signal ? { signal: prompt.signal } : undefined,
      );
      if (prompt.onProgress) {
        const meter = progressMeter(prompt);
        stream.on('text', (_delta, snapshot) => meter(snapshot.length));
      }
      const message: Anthropic.Message = await stream.finalMessage();
      await breaker?.recordSuccess(probeToken);
      const usage = usageOf(message, costUsd(priceFor(this.options.prices, model), tokens(message)));
      this.hooks.onUsage?.(usage);
      return { message, usage };
    } catch (raw) {
      const err = classifyModelError(raw, prompt.signal?.aborted ?? false);
      if (breaker) {
        // A provider that answers "bad request" is up; only its own faults count toward opening the breaker.
        if (err instanceof ModelCallError && err.providerFault)
          await breaker.recordFailure(probeToken, admission?.admittedAt);
        else await breaker.recordSuccess(probeToken);
      }
      throw err;
    }
  }
}

function textOf(message: Anthropic.Message): string {
  return message.content
    .filter((b): b is Anthropic.TextBlock => b.type === 'text')
    .map((b) => b.text)
    .join('');
}

function tokens(message: Anthropic.Message) {
  const u = message.usage;
  return {
    inputTokens: u.input_tokens,
    outputTokens: u.output_tokens,
    cacheReadTokens: u.cache_read_input_tokens ?? 0,
    cacheWriteTokens: u.cache_creation_input_tokens ?? 0,
  };
}

function usageOf(message: Anthropic.Message, cost: number): Usage {
  return { ...tokens(message), calls: 1, costUsd: cost };
}

function checkJson<T>(
  raw: string,
  schema: z.ZodType<T>,
): { ok: true; value: T } | { ok: false; issues: string } {
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch (err) {
    return { ok: false, issues: `not valid JSON (${err instanceof Error ? err.message : String(err)})` };
  }
  const parsed = schema.safeParse(data);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issues = parsed.error.issues
    .slice(0, 8)
    .map((i) => `- ${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('\n');
  return { ok: false, issues };
}
