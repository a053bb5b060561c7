import { execFileSync } from 'node:child_process';
import { strFromU8, unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import type { Deliverable } from '../../src/domain/deliverable.js';
import { checkFiles, type ModelFile } from '../../src/domain/deliverable-files.js';
import { filesBranch } from '../../src/domain/ids.js';
import { defaultPlan } from '../../src/domain/plan.js';
import { newProject, type Project } from '../../src/domain/project.js';
import { archiveFilename, buildArchive } from '../../src/domain/project-archive.js';
import { buildIndex, projectFiles } from '../../src/domain/project-files.js';
import { buildReport } from '../../src/domain/report.js';
import { redactCredentials, withoutCredentials } from '../../src/ops/git-credentials.js';
import { deliverableFixture, FIXTURE_REQUIREMENTS } from '../support/fixtures.js';

const DE = 'phase1.data-engineer';
const DS = 'phase1.data-scientist';
const ML = 'phase2.ml-engineer';
const PY = 'phase2.python-pro';

function project(states: Record<string, { state: 'done' | 'failed'; attempt?: number }>): Project {
  const p = newProject({
    teamId: 'T1',
    channelId: 'C1',
    threadTs: '1700000000.000100',
    requesterId: 'U1',
    request: 'churn',
    now: Date.UTC(2026, 0, 1),
  });
  p.requirements = FIXTURE_REQUIREMENTS;
  p.plan = defaultPlan(FIXTURE_REQUIREMENTS);
  for (const [id, s] of Object.entries(states)) p.stages[id] = { state: s.state, attempt: s.attempt ?? 1 };
  return p;
}

function deliverable(
  stageId: string,
  files: ModelFile[],
  opts: { attempt?: number; at?: number } = {},
): Deliverable {
  const checked = checkFiles(files);
  return deliverableFixture({
    stageId,
    attempt: opts.attempt ?? 1,
    role: stageId.split('.')[1] ?? 'x',
    summary: 's',
    files: checked.files,
    ...(checked.problems.length ? { fileProblems: checked.problems } : {}),
    producedAt: opts.at ?? Date.UTC(2026, 0, 2, 10, 30),
  });
}

const py = (path: string, content: string): ModelFile => ({ path, language: 'python', content });

function sample() {
  const p = project({ [DE]: { state: 'done' }, [DS]: { state: 'done' }, [ML]: { state: 'done' } });
  const ds = new Map<string, Deliverable>([
    [
      DE,
      deliverable(DE, [
        py('pipelines/ingest.py', 'print("v1")\n'),
        { path: 'config/schema.yaml', language: 'yaml', content: 'a: [1, 2\n' },
        py('../escape.py', 'x'),
      ]),
    ],
    [DS, deliverable(DS, [{ path: 'config/params.json', language: 'json', content: '{"k": 1}' }])],
    [
      ML,
      deliverable(ML, [py('./pipelines/ingest.py', 'print("v2")\n'), py('train.py', 'fit()\n')], {
        at: Date.UTC(2026, 0, 3),
      }),
    ],
  ]);
  return { p, ds };
}

describe('the project files at the end of a run', () => {
  it('one tree in plan order: a later stage replaces the earlier file, and the index says which', () => {
    const { p, ds } = sample();
    const tree = projectFiles(p, ds);
    expect(tree.files.map((f) => [f.path, f.stageId])).toEqual([
      ['config/params.json', DS],
      ['config/schema.yaml', DE],
      ['pipelines/ingest.py', ML],
      ['train.py', ML],
    ]);
    const ingest = tree.files.find((f) => f.path === 'pipelines/ingest.py');
    expect(ingest?.content).toBe('print("v2")\n');
    expect(ingest?.replaced).toEqual([DE]);
    expect(tree.producedAt).toBe(Date.UTC(2026, 0, 3));

    const index = buildIndex(p, tree, { branch: tree.branch, repo: 'file:///srv/git/ml.git' });
    expect(index).toContain('# Files: Predict churn for subscribers and serve it behind an API');
    expect(index).toContain('## How to use');
    expect(index).toContain(
      `| \`pipelines/ingest.py\` | ${ML} | ml-engineer | python | 12 B | — | the file from ${DE} |`,
    );
    expect(index).toContain(
      `| \`config/schema.yaml\` | ${DE} | data-engineer | yaml | 9 B | does not parse | — |`,
    );
    expect(index).toContain(`| \`config/params.json\` | ${DS} | data-scientist | json | 8 B | parses | — |`);
    // Refused files, per stage, with why.
    expect(index).toContain(`### ${DE} (data-engineer)`);
    expect(index).toMatch(/- `\.\.\/escape\.py` \(unsafe_path\): Path refused: it climbs out/);
    expect(index).toMatch(/- `config\/schema\.yaml` \(parse_error\): YAML does not parse/);
    expect(index).toContain(`Also committed on branch \`${tree.branch}\` of file:///srv/git/ml.git`);
  });

  it('only accepted work counts: a failed stage and an older attempt hand over nothing', () => {
    const p = project({
      [DE]: { state: 'failed' },
      [DS]: { state: 'done', attempt: 2 },
      [PY]: { state: 'done' },
    });
    const ds = new Map<string, Deliverable>([
      [DE, deliverable(DE, [py('a.py', 'a')])],
      [DS, deliverable(DS, [py('b.py', 'b')], { attempt: 1 })], // an earlier attempt's record
      [PY, deliverable(PY, [py('c.py', 'c'), { path: 'INDEX.md', language: 'markdown', content: 'mine' }])],
    ]);
    const tree = projectFiles(p, ds);
    expect(tree.files.map((f) => f.path)).toEqual(['c.py']);
    // A stage's own INDEX.md would clash with the generated one: left out, and said so.
    expect(tree.stages[0]?.problems.map((x) => x.message)).toEqual([
      expect.stringMatching(/INDEX\.md is the index Pipewright writes/),
    ]);
  });

  it('a path cannot be a file and a folder: the later file wins and the earlier is listed as left out', () => {
    const p = project({ [DE]: { state: 'done' }, [DS]: { state: 'done' } });
    const ds = new Map<string, Deliverable>([
      [DE, deliverable(DE, [py('config', 'x'), py('keep.py', 'k')])],
      [DS, deliverable(DS, [{ path: 'config/app.yaml', language: 'yaml', content: 'a: 1\n' }])],
    ]);
    const tree = projectFiles(p, ds);
    expect(tree.files.map((f) => f.path)).toEqual(['config/app.yaml', 'keep.py']);
    expect(tree.stages[0]?.paths).toEqual(['keep.py']);
    expect(tree.stages[0]?.problems).toEqual([
      {
        code: 'duplicate_path',
        path: 'config',
        message: `Left out: ${DS} wrote config/app.yaml, and one path cannot be both a file and a folder.`,
      },
    ]);
    expect(Object.keys(unzipSync(buildArchive(tree, 'i'))).sort()).toEqual(
      ['INDEX.md', 'config/app.yaml', 'keep.py'].map((f) => `${tree.name}/${f}`),
    );
  });

  it('the branch is a valid git ref whatever the title holds', () => {
    const hostile = [
      'Predict churn for subscribers',
      '../../refs/heads/main',
      'a..b @{u} ~1 ^2 :x ?*[ \\ end.lock',
      '.hidden/.name.',
      '---',
      'Ünïcödé façade — Ελληνικά 日本語',
      '',
      `${'x'.repeat(300)}`,
      'line\nbreak\ttab\u0000nul',
      '/leading/slash/',
      '@',
    ];
    const names = new Set<string>();
    for (const title of hostile) {
      const branch = filesBranch(title, `T1-C1-${title.length}.1`);
      expect(branch).toMatch(/^pipewright\/[a-z0-9-]+-[0-9a-f]{8}$/);
      expect(branch.length).toBeLessThanOrEqual(11 + 40 + 9);
      // git's own rules, not ours.
      expect(execFileSync('git', ['check-ref-format', '--branch', branch]).toString().trim()).toBe(branch);
      names.add(branch);
    }
    expect(names.size).toBe(hostile.length);
    expect(filesBranch('Ünïcödé façade', 'p')).toMatch(/^pipewright\/unicode-facade-[0-9a-f]{8}$/);
    // Same project, same branch; another project with the same title, another branch.
    expect(filesBranch('Churn', 'T1-C1-1.1')).toBe(filesBranch('Churn', 'T1-C1-1.1'));
    expect(filesBranch('Churn', 'T1-C1-1.1')).not.toBe(filesBranch('Churn', 'T1-C1-1.2'));
  });
});

describe('the archive', () => {
  it('the same files give the same bytes, and it unzips to the project folder with INDEX.md', () => {
    const { p, ds } = sample();
    const tree = projectFiles(p, ds);
    const index = buildIndex(p, tree);
    const zip = buildArchive(tree, index);
    expect(Buffer.from(buildArchive(projectFiles(p, ds), buildIndex(p, projectFiles(p, ds))))).toEqual(
      Buffer.from(zip),
    );
    expect(archiveFilename(tree)).toBe(`${tree.name}-files.zip`);
    const unzipped = unzipSync(zip);
    expect(Object.keys(unzipped).sort()).toEqual(
      ['INDEX.md', 'config/params.json', 'config/schema.yaml', 'pipelines/ingest.py', 'train.py'].map(
        (f) => `${tree.name}/${f}`,
      ),
    );
    expect(strFromU8(unzipped[`${tree.name}/pipelines/ingest.py`] ?? new Uint8Array())).toBe('print("v2")\n');
    expect(strFromU8(unzipped[`${tree.name}/INDEX.md`] ?? new Uint8Array())).toBe(index);
    expect(tree.name).toMatch(/^predict-churn-for-subscribers-and-serve-[0-9a-f]{8}$/);
  });

  it('a later time of production gives other bytes (the time is the files’, not the clock’s)', () => {
    const { p, ds } = sample();
    const later = new Map(ds);
    const ml = ds.get(ML);
    if (!ml) throw new Error('no ml deliverable');
    later.set(ML, { ...ml, producedAt: ml.producedAt + 86_400_000 });
    const a = buildArchive(projectFiles(p, ds), 'i');
    const b = buildArchive(projectFiles(p, later), 'i');
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
  });
});

describe('the report', () => {
  it('links the archive and lists the files per stage', () => {
    const { p, ds } = sample();
    const tree = projectFiles(p, ds);
    const permalink = 'https://test.slack.com/files/UBOT/F0001/x.zip';
    const { markdown } = buildReport(p, ds, {
      files: { tree, archive: { filename: archiveFilename(tree), permalink } },
    });
    expect(markdown).toContain(`[${archiveFilename(tree)}](${permalink})`);
    expect(markdown).toContain(`### ${DE} (data-engineer)`);
    expect(markdown).toContain(`- \`pipelines/ingest.py\` (python): replaced by ${ML}`);
    expect(markdown).toContain('- `config/schema.yaml` (yaml, 9 B): does not parse');
    expect(markdown).toContain('- `train.py` (python, 6 B)');
    expect(markdown).toMatch(/Refused or flagged: `\.\.\/escape\.py` \(unsafe_path\)/);
  });
});

describe('credentials in DELIVERABLES_GIT_URL', () => {
  const url = 'https://deploy-bot:ghp_s3cr%2Ftoken@git.example.com/team/ml.git';
  it('are taken out of the repository name and of any message', () => {
    expect(withoutCredentials(url)).toBe('https://git.example.com/team/ml.git');
    expect(withoutCredentials('file:///srv/git/ml.git')).toBe('file:///srv/git/ml.git');
    const message = `fatal: unable to access '${url}/': could not resolve; token ghp_s3cr/token; https://x:y@other/`;
    const redacted = redactCredentials(message, url);
    expect(redacted).not.toMatch(/ghp_s3cr|deploy-bot|x:y@/);
    expect(redacted).toContain('https://git.example.com/team/ml.git');
  });
});
