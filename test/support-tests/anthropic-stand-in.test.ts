import Anthropic, { AuthenticationError, BadRequestError, InternalServerError } from '@anthropic-ai/sdk';
import { zodOutputFormat } from '@anthropic-ai/sdk/helpers/zod';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type AnthropicStandIn, startAnthropicStandIn } from '../support/anthropic-stand-in.js';

const MODEL = 'claude-sonnet-5-5';

describe('Anthropic stand-in with the real SDK', () => {
  let standIn: AnthropicStandIn;
  let client: Anthropic;

  beforeAll(async () => {
    standIn = await startAnthropicStandIn();
    client = new Anthropic({ apiKey: 'test', baseURL: standIn.url, maxRetries: 0 });
  });
  afterAll(() => standIn.close());
  beforeEach(() => standIn.reset());

  it('answers a structured-output request with JSON the zod schema accepts', async () => {
    const plan = z.object({
      title: z.string().min(5),
      steps: z
        .array(z.object({ owner: z.enum(['data', 'modelling']), hours: z.number().int().min(1) }))
        .min(2),
      risk: z.string().nullable(),
    });
    const message = await client.messages.create({
      model: MODEL,
      max_tokens: 100,
      system: [{ type: 'text', text: 'You plan ML projects.' }],
      messages: [{ role: 'user', content: 'Plan a churn model' }],
      output_config: { format: zodOutputFormat(plan) },
    });
    const block = message.content[0];
    expect(block?.type).toBe('text');
    const parsed = plan.safeParse(JSON.parse(block?.type === 'text' ? block.text : ''));
    expect(parsed.error).toBeUndefined();
    expect(parsed.data?.steps.length).toBeGreaterThanOrEqual(2);

    const [request] = standIn.requests;
    expect(request?.systemText).toBe('You plan ML projects.');
    expect(request?.lastUserText).toBe('Plan a churn model');
    expect(request?.body.output_config?.format?.type).toBe('json_schema');
    expect(request?.headers['anthropic-version']).toBeTruthy();
  });

  it('gives messages.parse() a parsed_output', async () => {
    const verdict = z.object({ approved: z.boolean(), reason: z.string() });
    const message = await client.messages.parse({
      model: MODEL,
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Review this' }],
      output_config: { format: zodOutputFormat(verdict) },
    });
    expect(message.parsed_output).toEqual({ approved: false, reason: 'stand-in reason' });
  });

  it('answers a plain request with a stand-in deliverable and a realistic envelope', async () => {
    const { data: message, response } = await client.messages
      .create({
        model: MODEL,
        max_tokens: 100,
        messages: [
          { role: 'user', content: 'first' },
          { role: 'assistant', content: 'ok' },
          { role: 'user', content: [{ type: 'text', text: 'Write the data audit' }] },
        ],
      })
      .withResponse();
    expect(message.content).toEqual([{ type: 'text', text: 'Stand-in deliverable: Write the data audit' }]);
    expect(message.model).toBe(MODEL);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage.input_tokens).toBeGreaterThan(0);
    expect(response.headers.get('request-id')).toMatch(/^req_/);
  });

  it('streams the same reply for messages.stream()', async () => {
    standIn.enqueue({ text: 'streamed deliverable' });
    const stream = client.messages.stream({
      model: MODEL,
      max_tokens: 100,
      messages: [{ role: 'user', content: 'go' }],
    });
    const final = await stream.finalMessage();
    expect(final.content).toMatchObject([{ type: 'text', text: 'streamed deliverable' }]);
    expect(final.stop_reason).toBe('end_turn');
  });

  it('refuses a request without credentials with 401', async () => {
    const keyless = new Anthropic({
      apiKey: 'unused',
      baseURL: standIn.url,
      maxRetries: 0,
      defaultHeaders: { Authorization: null },
    });
    const attempt = keyless.messages.create({
      model: MODEL,
      max_tokens: 10,
      messages: [{ role: 'user', content: 'hi' }],
    });
    await expect(attempt).rejects.toBeInstanceOf(AuthenticationError);
    await expect(attempt).rejects.toMatchObject({
      status: 401,
      error: { error: { type: 'authentication_error' } },
    });
    expect(standIn.requests[0]?.status).toBe(401);
  });

  it('refuses a request without messages with 400', async () => {
    const attempt = client.messages.create({ model: MODEL, max_tokens: 10, messages: [] });
    await expect(attempt).rejects.toBeInstanceOf(BadRequestError);
  });

  it('serves an enqueued 529 and lets the SDK retry after retry-after-ms', async () => {
    standIn.enqueue({ status: 529 });
    await expect(
      client.messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
    ).rejects.toMatchObject({ status: 529, error: { error: { type: 'overloaded_error' } } });

    standIn.enqueue({ status: 529, headers: { 'retry-after-ms': '20' } }, { json: { answer: 4 } });
    const retrying = new Anthropic({ apiKey: 'test', baseURL: standIn.url, maxRetries: 1 });
    const message = await retrying.messages.create({
      model: MODEL,
      max_tokens: 10,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(message.content[0]).toEqual({ type: 'text', text: '{"answer":4}' });
    expect(standIn.requests.map((r) => r.status)).toEqual([529, 529, 200]);
  });

  it('uses enqueued replies before the responder, and the responder before the default', async () => {
    standIn.enqueue({ text: 'queued' });
    standIn.setResponder((req) =>
      req.lastUserText.includes('special') ? { text: 'from responder' } : undefined,
    );
    const ask = async (content: string) => {
      const message = await client.messages.create({
        model: MODEL,
        max_tokens: 10,
        messages: [{ role: 'user', content }],
      });
      const block = message.content[0];
      return block?.type === 'text' ? block.text : undefined;
    };
    expect(await ask('special')).toBe('queued');
    expect(await ask('special')).toBe('from responder');
    expect(await ask('plain')).toBe('Stand-in deliverable: plain');
  });

  it('maps an error reply to the API error envelope', async () => {
    standIn.enqueue({ status: 500 });
    await expect(
      client.messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
    ).rejects.toBeInstanceOf(InternalServerError);
  });

  it('delays answers by the configured latency and can be waited on', async () => {
    standIn.setLatencyMs(150);
    const started = Date.now();
    const pending = client.messages.create({
      model: MODEL,
      max_tokens: 10,
      messages: [{ role: 'user', content: 'slow' }],
    });
    await standIn.waitFor((reqs) => reqs.length === 1, 1_000);
    await pending;
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    await expect(standIn.waitFor((reqs) => reqs.length === 5, 100)).rejects.toThrow(
      /1 request\(s\) recorded.*slow/,
    );
  });
});
