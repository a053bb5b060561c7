import { TemplateError } from './errors.js';

/**
 * Placeholders look like `{phase1.data-engineer.output}` or `{requirements.objective}`: a dotted path of
 * lowercase words. Anything else in braces (JSON, code) is left alone.
 */
const PLACEHOLDER = /\{([a-z][a-z0-9_-]*(?:\.[a-z0-9][a-z0-9_-]*)+)\}/gi;

/** Every placeholder a template refers to, in order of first appearance, without duplicates. */
export function templateRefs(template: string): string[] {
  const refs: string[] = [];
  for (const match of template.matchAll(PLACEHOLDER)) {
    const ref = match[1];
    if (ref !== undefined && !refs.includes(ref)) refs.push(ref);
  }
  return refs;
}

/** Fills every placeholder; throws TemplateError naming each one that has no value. */
export function renderTemplate(template: string, values: Readonly<Record<string, string>>): string {
  const missing = templateRefs(template).filter((ref) => !Object.hasOwn(values, ref));
  if (missing.length > 0) throw new TemplateError(missing);
  // A function replacement, so `$&` and friends inside values are inserted literally.
  return template.replace(PLACEHOLDER, (_whole, ref: string) => values[ref] ?? '');
}
