import { describe, expect, it } from 'vitest';
import {
  checkFiles,
  FILE_LIMITS,
  normaliseFilePath,
  parseError,
} from '../../src/domain/deliverable-files.js';

const file = (path: string, content = 'x = 1\n', language = 'python') => ({ path, language, content });

describe('file paths from the model', () => {
  it.each([
    ['./src//churn/train.py', 'src/churn/train.py'],
    ['src\\churn\\serve.py', 'src/churn/serve.py'],
    ['  k8s/deploy.yaml ', 'k8s/deploy.yaml'],
    ['charts/churn/templates/./deployment.yaml', 'charts/churn/templates/deployment.yaml'],
  ])('normalises %j to %j', (raw, path) => {
    expect(normaliseFilePath(raw)).toEqual({ ok: true, path });
  });

  it.each([
    ['/etc/passwd', 'absolute'],
    ['C:\\Users\\me\\x.py', 'absolute'],
    ['~/.ssh/id_rsa', 'absolute'],
    ['../../etc/passwd', 'climbs out'],
    ['src/../../x.py', 'climbs out'],
    ['.git/hooks/pre-commit', '.git'],
    ['vendor/.git/config', '.git'],
    ['src/\u0000evil.py', 'control characters'],
    ['src/', 'names no file'],
    ['.', 'names no file'],
    [`${'a/'.repeat(100)}x.py`, 'over 160'],
  ])('refuses %j (%s)', (raw, why) => {
    const result = normaliseFilePath(raw);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.why).toContain(why);
  });
});

describe('checkFiles', () => {
  it('keeps the first of two paths that collide, case-insensitively, and says so', () => {
    const { files, problems } = checkFiles([file('src/App.py', 'a'), file('./src/app.py', 'b')]);
    expect(files.map((f) => [f.path, f.content])).toEqual([['src/App.py', 'a']]);
    expect(problems).toEqual([
      { code: 'duplicate_path', path: 'src/app.py', message: 'Two files have this path; the first is kept.' },
    ]);
  });

  it('keeps YAML and JSON that do not parse, marked, with the parser’s error for the revision round', () => {
    const { files, problems } = checkFiles([
      file('k8s/deploy.yaml', 'spec:\n  replicas: [2\n', 'yaml'),
      file('monitoring/dash.json', '{"panels": [}', 'json'),
      file('k8s/ok.yml', 'a: 1\n---\nb: 2\n', 'yaml'),
    ]);
    expect(files.map((f) => [f.path, f.parses])).toEqual([
      ['k8s/deploy.yaml', false],
      ['monitoring/dash.json', false],
      ['k8s/ok.yml', true],
    ]);
    expect(problems.map((p) => [p.code, p.path])).toEqual([
      ['parse_error', 'k8s/deploy.yaml'],
      ['parse_error', 'monitoring/dash.json'],
    ]);
    expect(problems[0]?.message).toMatch(/^YAML does not parse: .* at line 3, column 1$/);
    expect(problems[1]?.message).toMatch(/^JSON does not parse: /);
  });

  it('leaves Helm templates to helm lint: their {{ }} only parse after rendering', () => {
    const template = '{{- if .Values.enabled }}\nkind: Job\n{{- end }}\n';
    expect(parseError('charts/x/templates/job.yaml', 'yaml', template)).toBeUndefined();
    expect(parseError('charts/x/job.yaml', 'yaml', template)).toMatch(/^YAML does not parse/);
  });

  it('caps the size of a file, of a stage’s files, and their number', () => {
    const big = 'x'.repeat(FILE_LIMITS.fileChars + 1);
    const fifth = 'y'.repeat(FILE_LIMITS.stageChars / 4);
    const many = Array.from({ length: FILE_LIMITS.perStage + 2 }, (_, i) => file(`src/m${i}.py`));
    expect(checkFiles([file('big.py', big)]).problems.map((p) => p.code)).toEqual(['too_large']);
    const total = checkFiles(
      [1, 2, 3, 4, 5].map((i) => file(`part${i}.txt`, fifth.slice(0, FILE_LIMITS.fileChars))),
    );
    expect(total.files.length).toBeLessThan(5);
    expect(total.problems.map((p) => p.code)).toContain('too_large');
    const counted = checkFiles(many);
    expect(counted.files).toHaveLength(FILE_LIMITS.perStage);
    expect(counted.problems.map((p) => p.code)).toEqual(['too_many', 'too_many']);
  });

  it('refuses an unsafe path without keeping the file', () => {
    const { files, problems } = checkFiles([file('../../etc/passwd', 'root'), file('src/ok.py')]);
    expect(files.map((f) => f.path)).toEqual(['src/ok.py']);
    expect(problems[0]).toMatchObject({ code: 'unsafe_path', path: '../../etc/passwd' });
  });
});
