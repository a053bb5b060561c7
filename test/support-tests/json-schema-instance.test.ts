import { zodOutputFormat } from '@anthropic-ai/sdk/helpers/zod';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { jsonSchemaInstance } from '../support/json-schema-instance.js';

/**
 * Checks the instance against the schema as zod emits it and, unless the SDK cannot express the schema
 * (tuples, records), as the Anthropic SDK's `zodOutputFormat` rewrites it for the API.
 */
function expectInstanceFits(schema: z.ZodType, { viaSdk = true } = {}): unknown {
  const raw = jsonSchemaInstance(z.toJSONSchema(schema));
  expect(schema.safeParse(raw).error).toBeUndefined();
  if (!viaSdk) return raw;
  const rewritten = jsonSchemaInstance(zodOutputFormat(schema).schema);
  expect(schema.safeParse(rewritten).error).toBeUndefined();
  return rewritten;
}

describe('jsonSchemaInstance', () => {
  it('fills enums, literals, booleans and readable strings', () => {
    const schema = z.object({
      status: z.enum(['ready', 'blocked']),
      kind: z.literal('plan'),
      done: z.boolean(),
      summary: z.string(),
    });
    expect(expectInstanceFits(schema)).toEqual({
      status: 'ready',
      kind: 'plan',
      done: false,
      summary: 'stand-in summary',
    });
  });

  it('nests objects and honours array minItems/maxItems', () => {
    const step = z.object({
      title: z.string().min(3).max(40),
      estimateHours: z.number().int().min(1).max(8),
    });
    const schema = z.object({
      plan: z.object({ goal: z.string(), steps: z.array(step).min(2).max(5) }),
      tags: z.array(z.string()).max(1),
      none: z.array(z.string()).max(0),
    });
    const instance = expectInstanceFits(schema) as z.infer<typeof schema>;
    expect(instance.plan.steps).toHaveLength(2);
    expect(instance.tags).toHaveLength(1);
    expect(instance.none).toHaveLength(0);
  });

  it('handles optional, nullable and defaulted fields', () => {
    const schema = z.object({
      note: z.string().optional(),
      owner: z.string().nullable(),
      retries: z.number().int().default(3),
      reviewer: z.string().nullish(),
    });
    const instance = expectInstanceFits(schema) as z.infer<typeof schema>;
    expect(instance.owner).toBe('stand-in owner');
    expect(instance.retries).toBe(3);
  });

  it('meets numeric bounds, string lengths and formats', () => {
    const schema = z.object({
      confidence: z.number().gt(0).lt(0.5),
      priority: z.number().int().positive().multipleOf(5),
      negative: z.number().max(-10),
      code: z.string().length(6),
      longText: z.string().min(200),
      email: z.email(),
      id: z.uuid(),
      at: z.iso.datetime(),
      day: z.iso.date(),
      link: z.url(),
    });
    expectInstanceFits(schema);
  });

  it('follows $ref into $defs and stops recursion', () => {
    const person = z.object({ name: z.string() });
    interface Task {
      title: string;
      subtasks: Task[];
    }
    const task: z.ZodType<Task> = z.object({
      title: z.string(),
      get subtasks() {
        return z.array(task);
      },
    });
    const schema = z.object({ author: person, reviewer: person, root: task });
    expectInstanceFits(schema);
  });

  it('takes the first non-null branch of unions', () => {
    const schema = z.object({
      result: z.discriminatedUnion('type', [
        z.object({ type: z.literal('ok'), value: z.string() }),
        z.object({ type: z.literal('err'), code: z.number() }),
      ]),
      either: z.union([z.null(), z.number().min(2)]),
    });
    const instance = expectInstanceFits(schema) as z.infer<typeof schema>;
    expect(instance.result.type).toBe('ok');
    expect(instance.either).toBe(2);
  });

  it('fills records with enum keys and tuples', () => {
    const schema = z.object({
      scores: z.record(z.enum(['accuracy', 'recall']), z.number()),
      notes: z.record(z.string(), z.string()),
      pair: z.tuple([z.string(), z.number()]),
    });
    const instance = expectInstanceFits(schema, { viaSdk: false }) as z.infer<typeof schema>;
    expect(instance.scores).toEqual({ accuracy: 0, recall: 0 });
    expect(instance.pair).toEqual(['stand-in pair 1', 0]);
  });
});
