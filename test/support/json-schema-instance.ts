/**
 * Builds one JSON value that validates against a JSON schema, so the Anthropic stand-in can answer
 * structured-output requests without a scripted reply. It covers what zod 4's `z.toJSONSchema` and the
 * Anthropic SDK's `zodOutputFormat` emit; it is not a general-purpose JSON-schema solver.
 */

type Schema = Record<string, unknown>;

interface Context {
  root: Schema;
  /** Property name the value is for, so strings read like "stand-in summary". */
  name: string;
  depth: number;
}

/** Past this depth optional properties and optional array items are left out, which ends recursion. */
const SHALLOW_DEPTH = 6;
const MAX_DEPTH = 40;

export function jsonSchemaInstance(schema: unknown): unknown {
  const root = isSchema(schema) ? schema : {};
  return generate(schema, { root, name: 'value', depth: 0 });
}

function generate(raw: unknown, ctx: Context): unknown {
  if (ctx.depth > MAX_DEPTH) throw new Error(`schema nests deeper than ${MAX_DEPTH} levels at "${ctx.name}"`);
  if (raw === false) throw new Error(`schema for "${ctx.name}" admits no value`);
  if (!isSchema(raw)) return `stand-in ${ctx.name}`;
  const schema = withDescriptionHints(raw);
  const deeper: Context = { ...ctx, depth: ctx.depth + 1 };

  if ('default' in schema) return structuredClone(schema.default);
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if (typeof schema.$ref === 'string') return generate(resolveRef(ctx.root, schema.$ref), deeper);
  if (Array.isArray(schema.allOf)) return mergeAll(schema.allOf.map((part) => generate(part, deeper)));
  const branches = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(branches)) return generate(pickBranch(branches), deeper);

  switch (pickType(schema)) {
    case 'object':
      return generateObject(schema, deeper);
    case 'array':
      return generateArray(schema, deeper);
    case 'string':
      return generateString(schema, ctx.name);
    case 'integer':
      return generateNumber(schema, true);
    case 'number':
      return generateNumber(schema, false);
    case 'boolean':
      return false;
    case 'null':
      return null;
    default:
      return `stand-in ${ctx.name}`;
  }
}

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Only local references (`#`, `#/$defs/x`, `#/definitions/x`) occur in generated schemas. */
function resolveRef(root: Schema, ref: string): unknown {
  if (!ref.startsWith('#')) throw new Error(`cannot follow non-local $ref "${ref}"`);
  let node: unknown = root;
  for (const part of ref.slice(1).split('/').filter(Boolean)) {
    const key = decodeURIComponent(part).replaceAll('~1', '/').replaceAll('~0', '~');
    node = isSchema(node) ? node[key] : undefined;
  }
  if (node === undefined) throw new Error(`$ref "${ref}" points at nothing`);
  return node;
}

function isNullSchema(branch: unknown): boolean {
  return isSchema(branch) && (branch.type === 'null' || branch.const === null);
}

function pickBranch(branches: unknown[]): unknown {
  return branches.find((branch) => !isNullSchema(branch)) ?? branches[0];
}

function pickType(schema: Schema): string | undefined {
  const type = schema.type;
  if (Array.isArray(type)) return type.find((t) => t !== 'null') ?? 'null';
  if (typeof type === 'string') return type;
  if (schema.properties !== undefined || schema.additionalProperties !== undefined) return 'object';
  if (schema.items !== undefined || schema.prefixItems !== undefined) return 'array';
  return undefined;
}

function mergeAll(parts: unknown[]): unknown {
  if (parts.every(isSchema)) return Object.assign({}, ...parts);
  return parts[parts.length - 1];
}

function generateObject(schema: Schema, ctx: Context): Record<string, unknown> {
  const properties = isSchema(schema.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema.required) ? schema.required.map(String) : []);
  const extra = schema.additionalProperties;
  const result: Record<string, unknown> = {};
  for (const [key, propSchema] of Object.entries(properties)) {
    if (required.has(key) || ctx.depth < SHALLOW_DEPTH) {
      result[key] = generate(propSchema, { ...ctx, name: key });
    }
  }
  // Required keys without their own schema (records with enum keys) take the additionalProperties schema.
  // The SDK's rewrite can leave `additionalProperties: false` beside them; a readable string beats failing.
  for (const key of required) {
    if (!(key in result)) result[key] = generate(isSchema(extra) ? extra : true, { ...ctx, name: key });
  }
  const minProperties = numberOr(schema.minProperties, 0);
  for (let i = 1; Object.keys(result).length < minProperties && extra !== false; i++) {
    result[`stand_in_${i}`] = generate(extra ?? true, { ...ctx, name: `stand_in_${i}` });
  }
  return result;
}

function generateArray(schema: Schema, ctx: Context): unknown[] {
  const prefix = Array.isArray(schema.prefixItems) ? schema.prefixItems : [];
  const minItems = Math.max(numberOr(schema.minItems, 0), prefix.length);
  const wanted = ctx.depth < SHALLOW_DEPTH ? Math.max(minItems, 1) : minItems;
  const count = Math.min(wanted, numberOr(schema.maxItems, Number.POSITIVE_INFINITY));
  const items: unknown[] = [];
  for (let i = 0; i < count; i++) {
    const itemSchema = i < prefix.length ? prefix[i] : (schema.items ?? true);
    if (itemSchema === false) break;
    items.push(generate(itemSchema, { ...ctx, name: `${ctx.name} ${i + 1}` }));
  }
  return items;
}

/** Values for the string formats the SDK keeps and zod checks; each one passes zod's own regex. */
const FORMAT_SAMPLES: Record<string, () => string> = {
  'date-time': () => new Date().toISOString(),
  date: () => new Date().toISOString().slice(0, 10),
  time: () => '12:00:00',
  duration: () => 'P1D',
  email: () => 'stand-in@example.com',
  hostname: () => 'example.com',
  uri: () => 'https://example.com/stand-in',
  url: () => 'https://example.com/stand-in',
  ipv4: () => '127.0.0.1',
  ipv6: () => '::1',
  uuid: () => '123e4567-e89b-42d3-a456-426614174000',
};

function generateString(schema: Schema, name: string): string {
  const sample = typeof schema.format === 'string' ? FORMAT_SAMPLES[schema.format] : undefined;
  let text = sample ? sample() : `stand-in ${name}`;
  if (!sample && typeof schema.pattern === 'string') text = matchPattern(schema.pattern, text);
  const minLength = numberOr(schema.minLength, 0);
  if (text.length < minLength) text = text.padEnd(minLength, ' stand-in');
  return text.slice(0, numberOr(schema.maxLength, text.length));
}

/** Patterns cannot be solved in general; try a few plain candidates and keep the readable text otherwise. */
function matchPattern(pattern: string, preferred: string): string {
  let regex: RegExp;
  try {
    regex = new RegExp(pattern, 'u');
  } catch {
    return preferred;
  }
  const candidates = [preferred, preferred.replaceAll(' ', '-'), 'stand-in', 'standin', 'a', 'A', '0', 'a0'];
  return candidates.find((candidate) => regex.test(candidate)) ?? preferred;
}

/** Prefers a small readable number (0, or 1 when 0 is excluded) inside whatever bounds apply. */
function generateNumber(schema: Schema, integer: boolean): number {
  let low = numberOr(schema.minimum, Number.NEGATIVE_INFINITY);
  let high = numberOr(schema.maximum, Number.POSITIVE_INFINITY);
  const exclusiveLow = exclusiveBound(schema.exclusiveMinimum, schema.minimum);
  const exclusiveHigh = exclusiveBound(schema.exclusiveMaximum, schema.maximum);
  const span = Math.min(exclusiveHigh ?? high, high) - Math.max(exclusiveLow ?? low, low);
  const step = integer ? 1 : Math.min(1, Number.isFinite(span) ? span / 2 : 1);
  if (exclusiveLow !== undefined) {
    low = Math.max(low, integer ? Math.floor(exclusiveLow) + 1 : exclusiveLow + step);
  }
  if (exclusiveHigh !== undefined) {
    high = Math.min(high, integer ? Math.ceil(exclusiveHigh) - 1 : exclusiveHigh - step);
  }
  if (integer) {
    low = Math.ceil(low);
    high = Math.floor(high);
  }
  let value = Math.min(Math.max(0, low), high);
  const multipleOf =
    typeof schema.multipleOf === 'number' && schema.multipleOf > 0 ? schema.multipleOf : undefined;
  if (multipleOf !== undefined) {
    value = Math.ceil(value / multipleOf) * multipleOf;
    if (value > high) value -= multipleOf;
  }
  return value;
}

/** Draft 2020-12 gives exclusive bounds as numbers; draft 4 as booleans next to minimum/maximum. */
function exclusiveBound(exclusive: unknown, inclusive: unknown): number | undefined {
  if (typeof exclusive === 'number') return exclusive;
  if (exclusive === true && typeof inclusive === 'number') return inclusive;
  return undefined;
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

const HINTED_KEYWORDS = [
  'minItems',
  'maxItems',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minProperties',
  'maxProperties',
  'pattern',
  'default',
];

/**
 * The Anthropic SDK's `transformJSONSchema` strips keywords the API does not support (minLength, maximum,
 * minItems > 1, default, ...) and appends them to `description` as `{minLength: 3, maximum: 9}`. The zod schema on the
 * receiving side still enforces them, so read them back.
 */
function withDescriptionHints(schema: Schema): Schema {
  const description = schema.description;
  if (typeof description !== 'string' || !description.endsWith('}')) return schema;
  const start = description.startsWith('{') ? 0 : description.lastIndexOf('\n\n{');
  if (start < 0) return schema;
  const hintBlock = description.slice(start);
  const hinted: Schema = { ...schema };
  for (const keyword of HINTED_KEYWORDS) {
    if (keyword in schema) continue;
    const match = new RegExp(`[{ ]${keyword}: ("(?:[^"\\\\]|\\\\.)*"|-?[0-9.eE+-]+|true|false)[,}]`).exec(
      hintBlock,
    );
    if (match?.[1] === undefined) continue;
    try {
      hinted[keyword] = JSON.parse(match[1]);
    } catch {
      // Not JSON after all: leave the keyword out.
    }
  }
  return hinted;
}
