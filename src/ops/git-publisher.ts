import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from 'pino';
import { normaliseFilePath } from '../domain/deliverable-files.js';
import type { FilesPublisher } from '../domain/files-publication.js';
import type { Project } from '../domain/project.js';
import { buildIndex, INDEX_PATH, type ProjectFiles, projectFiles } from '../domain/project-files.js';
import { redactCredentials, withoutCredentials } from './git-credentials.js';

const run = promisify(execFile);

export interface GitPublishSettings {
  /** DELIVERABLES_GIT_URL: any URL git can push to; credentials in it never reach a log or Slack. */
  url: string;
  /** DELIVERABLES_GIT_AUTHOR, e.g. `Pipewright <pipewright@users.noreply.local>`. */
  authorName: string;
  authorEmail: string;
  /** Longest one git command may take. */
  timeoutMs: number;
}

export class GitPublishError extends Error {
  readonly code = 'git_publish_failed';
}

/**
 * Commits the project's files and INDEX.md on its branch (`filesBranch`) and pushes it. The commit is made
 * the same way every time (author, dates from the files, message), on top of the branch if it exists; when
 * the branch already holds exactly these files nothing is pushed, so a retried job changes nothing. A
 * failure never fails the run: it comes back as the publication's `error`, redacted, and is logged.
 */
export function gitBranchPublisher(settings: GitPublishSettings, log: Logger): FilesPublisher {
  const repo = withoutCredentials(settings.url);
  return {
    async publish(project, deliverables) {
      const tree = projectFiles(project, deliverables);
      if (tree.files.length === 0) return undefined;
      const base = { repo, branch: tree.branch, files: tree.files.length };
      try {
        const commit = await commitAndPush(settings, project, tree);
        log.info({ repo, branch: tree.branch, commit, files: tree.files.length }, 'project files pushed');
        return { ...base, commit };
      } catch (err) {
        const error = redactCredentials(describeFailure(err, settings.timeoutMs), settings.url);
        log.warn({ repo, branch: tree.branch, error }, 'project files could not be pushed; the run goes on');
        return { ...base, error: error.slice(0, 400) };
      }
    },
  };
}

async function commitAndPush(
  settings: GitPublishSettings,
  project: Project,
  tree: ProjectFiles,
): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pipewright-publish-'));
  const date = `${Math.floor(tree.producedAt / 1000)} +0000`;
  // The URL's user name and password never go on git's command line (any user of the host could read it
  // in the process list): git asks for them through GIT_ASKPASS, which reads them from its environment.
  const credentials = await askpassFor(settings.url);
  const remote = credentials ? withoutCredentials(settings.url) : settings.url;
  const env = {
    ...withoutRepositoryOverrides(process.env),
    ...credentials?.env,
    // Never wait for a password prompt: a URL without working credentials fails at once.
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: settings.authorName,
    GIT_AUTHOR_EMAIL: settings.authorEmail,
    GIT_COMMITTER_NAME: settings.authorName,
    GIT_COMMITTER_EMAIL: settings.authorEmail,
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_DATE: date,
    LC_ALL: 'C',
  };
  const git = async (...args: string[]): Promise<string> => {
    const { stdout } = await run(
      'git',
      ['-c', 'commit.gpgsign=false', '-c', 'core.hooksPath=/dev/null', ...args],
      {
        cwd: dir,
        env,
        timeout: settings.timeoutMs,
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    return stdout.trim();
  };
  try {
    await git('init', '-q');
    const ref = `refs/heads/${tree.branch}`;
    const heads = await git('ls-remote', remote, ref);
    const tip = heads.split(/\s+/)[0];
    if (tip) {
      await git('fetch', '-q', '--depth=1', remote, ref);
      await git('checkout', '-q', 'FETCH_HEAD');
      await git('rm', '-r', '-q', '--ignore-unmatch', '.');
    }
    await writeTree(
      dir,
      tree,
      buildIndex(project, tree, { branch: tree.branch, repo: withoutCredentials(settings.url) }),
    );
    await git('add', '-A');
    if (tip && (await git('status', '--porcelain')) === '') return tip; // the branch has these files already
    await git('commit', '-q', '--no-verify', '-m', commitMessage(project, tree));
    const commit = await git('rev-parse', 'HEAD');
    await git('push', '-q', remote, `HEAD:${ref}`);
    return commit;
  } finally {
    await rm(dir, { recursive: true, force: true });
    if (credentials) await rm(credentials.dir, { recursive: true, force: true });
  }
}

/**
 * For a URL with a user name or password: a private directory holding a script git runs as GIT_ASKPASS,
 * answering its "Username for …" and "Password for …" prompts from variables only git's process sees.
 */
async function askpassFor(url: string): Promise<{ dir: string; env: Record<string, string> } | undefined> {
  let username = '';
  let password = '';
  try {
    const parsed = new URL(url);
    // Over ssh the user name is part of the address (ssh://git@host/…) and keys do the rest.
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return undefined;
    username = decodeURIComponent(parsed.username);
    password = decodeURIComponent(parsed.password);
  } catch {
    return undefined;
  }
  if (!username && !password) return undefined;
  const dir = await mkdtemp(join(tmpdir(), 'pipewright-askpass-'));
  const script = join(dir, 'askpass.sh');
  await writeFile(
    script,
    '#!/bin/sh\ncase "$1" in\n  Username*) printf \'%s\\n\' "$PIPEWRIGHT_GIT_USERNAME" ;;\n  *) printf \'%s\\n\' "$PIPEWRIGHT_GIT_PASSWORD" ;;\nesac\n',
    { mode: 0o700 },
  );
  return {
    dir,
    env: { GIT_ASKPASS: script, PIPEWRIGHT_GIT_USERNAME: username, PIPEWRIGHT_GIT_PASSWORD: password },
  };
}

/** The worker's environment without the variables that would point git at another repository or index. */
function withoutRepositoryOverrides(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const redirects = [
    'GIT_DIR',
    'GIT_WORK_TREE',
    'GIT_INDEX_FILE',
    'GIT_OBJECT_DIRECTORY',
    'GIT_ALTERNATE_OBJECT_DIRECTORIES',
    'GIT_NAMESPACE',
    'GIT_COMMON_DIR',
  ];
  return Object.fromEntries(Object.entries(env).filter(([name]) => !redirects.includes(name)));
}

/** Writes every file and the index under `dir`; a path that would land outside it is refused again here. */
async function writeTree(dir: string, tree: ProjectFiles, index: string): Promise<void> {
  const root = resolve(dir);
  for (const file of [...tree.files, { path: INDEX_PATH, content: index }]) {
    const safe = normaliseFilePath(file.path);
    const target = resolve(root, safe.ok ? safe.path : '');
    if (!safe.ok || !target.startsWith(`${root}${sep}`))
      throw new GitPublishError(`refused to write ${JSON.stringify(file.path)}`);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, file.content, 'utf8');
  }
}

function commitMessage(project: Project, tree: ProjectFiles): string {
  const stages = tree.stages.filter((s) => s.paths.length > 0).map((s) => s.stageId);
  return `Pipewright: files of ${tree.title.replace(/\s+/g, ' ').slice(0, 100)}\n\nProject ${project.id}: ${tree.files.length} file(s) from ${stages.join(', ')}.\nSee INDEX.md for which stage wrote each file.\n`;
}

/** What went wrong, in a line: git's own fatal/error line when there is one. */
function describeFailure(err: unknown, timeoutMs: number): string {
  if (err instanceof GitPublishError) return err.message;
  const e = err as { killed?: boolean; signal?: string; stderr?: string; message?: string; code?: unknown };
  if (e.killed || e.signal === 'SIGTERM') return `git took longer than ${Math.round(timeoutMs / 1000)}s`;
  if (e.code === 'ENOENT') return 'git is not installed on the worker';
  const lines = (e.stderr ?? e.message ?? String(err))
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.find((l) => /^(fatal|error):/.test(l)) ?? lines[0] ?? 'git failed';
}
