/**
 * Tolerant readers for stored Block Kit JSON (`unknown`): the stand-in already refused what Slack refuses,
 * so the renderer shows whatever it can and never throws on a shape it does not expect.
 */

export type Json = Record<string, unknown>;

export function asObject(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function asNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** The `type` of a block or element, or "unknown". */
export function typeOf(value: unknown): string {
  return asString(asObject(value)?.type) ?? 'unknown';
}
