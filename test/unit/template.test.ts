import { describe, expect, it } from 'vitest';
import { TemplateError } from '../../src/domain/errors.js';
import { renderTemplate, templateRefs } from '../../src/domain/template.js';

describe('prompt templating', () => {
  it('fills dotted placeholders and leaves JSON braces alone', () => {
    const out = renderTemplate('Read {phase1.data-engineer.output} then emit {"a": 1}.', {
      'phase1.data-engineer.output': 'TABLES',
    });
    expect(out).toBe('Read TABLES then emit {"a": 1}.');
  });

  it('inserts values literally, even ones with $ patterns', () => {
    expect(renderTemplate('x {a.b} y', { 'a.b': '$& $1 $$' })).toBe('x $& $1 $$ y');
  });

  it('lists references once each, in order', () => {
    expect(templateRefs('{b.c} {a.b} {b.c} {notaref} {x}')).toEqual(['b.c', 'a.b']);
  });

  it('names every missing value', () => {
    try {
      renderTemplate('{a.b} {c.d} {e.f}', { 'c.d': 'ok' });
      expect.fail('should have thrown');
    } catch (err) {
      expect(err).toBeInstanceOf(TemplateError);
      expect((err as TemplateError).missing).toEqual(['a.b', 'e.f']);
      expect((err as TemplateError).code).toBe('template_unresolved');
    }
  });
});
