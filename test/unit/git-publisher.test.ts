import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { Deliverable } from '../../src/domain/deliverable.js';
import { defaultPlan } from '../../src/domain/plan.js';
import { newProject, type Project } from '../../src/domain/project.js';
import { gitBranchPublisher } from '../../src/ops/git-publisher.js';
import { bareRepo, gitIn } from '../support/bare-repo.js';
import { deliverableFixture, FIXTURE_REQUIREMENTS } from '../support/fixtures.js';

const DE = 'phase1.data-engineer';
const AT = Date.UTC(2026, 2, 4, 5, 6, 7);

function project(threadTs: string): Project {
  const p = newProject({ teamId: 'T1', channelId: 'C1', threadTs, requesterId: 'U1', request: 'x', now: 0 });
  p.requirements = FIXTURE_REQUIREMENTS;
  p.plan = defaultPlan(FIXTURE_REQUIREMENTS);
  p.stages[DE] = { state: 'done', attempt: 1 };
  return p;
}

function files(content: string, producedAt = AT): Map<string, Deliverable> {
  return new Map([
    [
      DE,
      deliverableFixture({
        stageId: DE,
        role: 'data-engineer',
        summary: '',
        deliverable: '',
        digest: '',
        files: [
          { path: 'etl/job.py', language: 'python', content },
          { path: 'etl/conf.yaml', language: 'yaml', content: 'a: 1\n', parses: true },
        ],
        producedAt,
      }),
    ],
  ]);
}

describe('committing the project files on a branch', () => {
  it('the same files make the same commit; changed files a new commit on top; each project its own branch', async () => {
    const repo = bareRepo();
    const url = `file://${repo}`;
    const publisher = gitBranchPublisher(
      { url, authorName: 'ML Bot', authorEmail: 'ml@corp.example', timeoutMs: 30_000 },
      pino({ level: 'silent' }),
    );
    const p = project('1.1');
    const first = await publisher.publish(p, files('print(1)\n'));
    expect(first?.error).toBeUndefined();
    const branch = first?.branch ?? '';
    expect(gitIn(repo, 'rev-parse', `refs/heads/${branch}`)).toBe(first?.commit);
    expect(gitIn(repo, 'log', '-1', '--format=%an <%ae> %at %ct', branch)).toBe(
      `ML Bot <ml@corp.example> ${AT / 1000} ${AT / 1000}`,
    );

    // A retry: nothing new, nothing pushed.
    expect(await publisher.publish(p, files('print(1)\n'))).toEqual(first);
    expect(gitIn(repo, 'rev-list', '--count', branch)).toBe('1');

    // The run finished again with a changed file: one more commit, on top.
    const second = await publisher.publish(p, files('print(2)\n', AT + 60_000));
    expect(second?.commit).not.toBe(first?.commit);
    expect(gitIn(repo, 'rev-parse', `${branch}~1`)).toBe(first?.commit);
    expect(gitIn(repo, 'show', `${branch}:etl/job.py`)).toBe('print(2)');
    expect(gitIn(repo, 'ls-tree', '-r', '--name-only', branch).split('\n')).toEqual([
      'INDEX.md',
      'etl/conf.yaml',
      'etl/job.py',
    ]);

    // Another project's files go to another branch, the first untouched.
    const other = await publisher.publish(project('1.2'), files('print(3)\n'));
    expect(other?.branch).not.toBe(branch);
    expect(gitIn(repo, 'rev-parse', `refs/heads/${branch}`)).toBe(second?.commit);
    expect(gitIn(repo, 'for-each-ref', '--format=%(refname)').split('\n')).toHaveLength(2);
  });

  it('gives git the URL’s credentials through GIT_ASKPASS, never on its command line', async () => {
    // An HTTP remote that asks for a password and records what it is sent.
    const authorizations: string[] = [];
    const server = createServer((req, res) => {
      authorizations.push(req.headers.authorization ?? '');
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="repo"' }).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const { port } = server.address() as AddressInfo;
    // Every git command's arguments, as any user of the host could read them in the process list.
    const shims = mkdtempSync(join(tmpdir(), 'pw-git-shim-'));
    const argvLog = join(shims, 'argv.log');
    const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    writeFileSync(join(shims, 'git'), `#!/bin/sh\necho "$@" >> '${argvLog}'\nexec '${realGit}' "$@"\n`, {
      mode: 0o755,
    });
    const path = process.env.PATH;
    process.env.PATH = `${shims}:${path}`;
    onTestFinished(() => {
      process.env.PATH = path;
      rmSync(shims, { recursive: true, force: true });
    });

    const publisher = gitBranchPublisher(
      {
        url: `http://ml-bot:s3cr3t-t0ken@127.0.0.1:${port}/repo.git`,
        authorName: 'P',
        authorEmail: 'p@x',
        timeoutMs: 30_000,
      },
      pino({ level: 'silent' }),
    );
    const result = await publisher.publish(project('1.1'), files('print(1)\n'));

    expect(authorizations).toContain(`Basic ${Buffer.from('ml-bot:s3cr3t-t0ken').toString('base64')}`);
    const argv = readFileSync(argvLog, 'utf8');
    expect(argv).toContain(`ls-remote http://127.0.0.1:${port}/repo.git`);
    expect(argv).not.toContain('s3cr3t');
    expect(argv).not.toContain('ml-bot');
    expect(result?.repo).toBe(`http://127.0.0.1:${port}/repo.git`);
    expect(result?.error).toMatch(/Authentication failed/);
    expect(result?.error).not.toContain('s3cr3t');
  });

  it('nothing to commit: no branch', async () => {
    const repo = bareRepo();
    const publisher = gitBranchPublisher(
      { url: `file://${repo}`, authorName: 'P', authorEmail: 'p@x', timeoutMs: 30_000 },
      pino({ level: 'silent' }),
    );
    expect(await publisher.publish(project('1.1'), new Map())).toBeUndefined();
    expect(gitIn(repo, 'for-each-ref')).toBe('');
  });
});
