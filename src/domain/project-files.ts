import type { Deliverable } from './deliverable.js';
import type { DeliverableFile, FileProblem } from './deliverable-files.js';
import { filesBranch, projectSlug } from './ids.js';
import type { Project } from './project.js';

/**
 * The project's files at the end of a run, as one tree: every accepted deliverable (the current attempt of a
 * stage that is done) contributes its files in plan order, and a later stage writing a path an earlier one
 * wrote replaces that file. Pure: the archive, the git branch and the report are all built from this.
 */

export interface ProjectFile extends DeliverableFile {
  stageId: string;
  role: string;
  /** Stages whose file at this path this one replaced, earliest first. */
  replaced: string[];
}

export interface ProjectFiles {
  /** The folder (archive) and name (branch) of the project: `<title slug>-<short id>`. */
  name: string;
  branch: string;
  title: string;
  /** Sorted by path. */
  files: ProjectFile[];
  /** Per stage that handed over files or had files refused, in plan order. */
  stages: Array<{ stageId: string; role: string; paths: string[]; problems: FileProblem[] }>;
  /** When the newest contributing deliverable was produced (epoch ms): the archive's and commit's date. */
  producedAt: number;
}

/** The generated index at the root of the archive's folder and of the branch. */
export const INDEX_PATH = 'INDEX.md';

/** The project's title in names and headings: the objective when there are requirements, else the request. */
export function projectTitle(project: Project): string {
  return project.requirements?.objective ?? project.request;
}

/** `deliverables`: stage id → the deliverable of the stage's current attempt, as the report reads them. */
export function projectFiles(project: Project, deliverables: ReadonlyMap<string, Deliverable>): ProjectFiles {
  const title = projectTitle(project);
  const tree = new Map<string, ProjectFile>();
  const stages: ProjectFiles['stages'] = [];
  let producedAt = project.createdAt;
  for (const stage of project.plan?.stages ?? []) {
    const run = project.stages[stage.id];
    const d = deliverables.get(stage.id);
    if (run?.state !== 'done' || !d || d.attempt !== run.attempt) continue;
    // INDEX.md at the root is the generated index: a stage's own file there is left out, and says so.
    const files = (d.files ?? []).filter((f) => f.path.toLowerCase() !== INDEX_PATH.toLowerCase());
    const problems = [
      ...(d.fileProblems ?? []),
      ...(d.files ?? [])
        .filter((f) => !files.includes(f))
        .map((f) => ({
          code: 'duplicate_path' as const,
          path: f.path,
          message: `${INDEX_PATH} is the index Pipewright writes; this stage's file of that name was left out.`,
        })),
    ];
    if (files.length === 0 && problems.length === 0) continue;
    stages.push({ stageId: stage.id, role: stage.role, paths: files.map((f) => f.path), problems });
    if (files.length > 0) producedAt = Math.max(producedAt, d.producedAt);
    for (const file of files) {
      // Case-insensitively, as checkFiles does: two paths differing only in case collide on a checkout.
      const key = file.path.toLowerCase();
      const earlier = tree.get(key);
      const replaced = earlier ? [...earlier.replaced, earlier.stageId] : [];
      if (earlier) tree.delete(key);
      leaveOutFolderClashes(tree, stages, key, `${stage.id} wrote ${file.path}`);
      tree.set(key, { ...file, stageId: stage.id, role: stage.role, replaced });
    }
  }
  const files = [...tree.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return {
    name: projectSlug(title, project.id),
    branch: filesBranch(title, project.id),
    title,
    files,
    stages,
    producedAt,
  };
}

/**
 * A path cannot be a file and a folder at once (`config` and `config/app.yaml`): the later file wins, and
 * the earlier one is left out with the reason, under the stage that wrote it.
 */
function leaveOutFolderClashes(
  tree: Map<string, ProjectFile>,
  stages: ProjectFiles['stages'],
  key: string,
  why: string,
): void {
  for (const [otherKey, other] of tree) {
    if (!key.startsWith(`${otherKey}/`) && !otherKey.startsWith(`${key}/`)) continue;
    tree.delete(otherKey);
    const owner = stages.find((s) => s.stageId === other.stageId);
    if (!owner) continue;
    owner.paths = owner.paths.filter((p) => p !== other.path);
    owner.problems.push({
      code: 'duplicate_path',
      path: other.path,
      message: `Left out: ${why}, and one path cannot be both a file and a folder.`,
    });
  }
}

/** UTF-8 bytes of a file's content: what the archive and the branch hold. */
export function fileBytes(content: string): number {
  return new TextEncoder().encode(content).length;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** A Markdown code span that holds any text: fenced by more backticks than any run inside it. */
export function codeSpan(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** A table cell: one line, pipes escaped. */
const cell = (text: string) => text.replace(/\s+/g, ' ').replaceAll('|', '\\|');

function checkLabel(file: DeliverableFile): string {
  if (file.parses === undefined) return '—';
  return file.parses ? 'parses' : 'does not parse';
}

/**
 * INDEX.md: what is in the archive or on the branch, which stage wrote each file and what it replaced, what
 * the checks found, and how to use it.
 */
export function buildIndex(
  project: Project,
  tree: ProjectFiles,
  opts: { branch?: string; repo?: string } = {},
): string {
  const lines = [
    `# Files: ${cell(tree.title)}`,
    '',
    `Project ${codeSpan(project.id)}: ${tree.files.length} file(s) handed over by ${tree.stages.filter((s) => s.paths.length > 0).length} stage(s) of a Pipewright run.`,
    '',
    '## How to use',
    '',
    '- Every path is relative to the root of this folder (or of the branch); copy them into your repository, or check the branch out.',
    '- Where two stages wrote the same path, the later stage in the plan wins: the table names the stage that wrote each file and any it replaced.',
    '- YAML and JSON files were parsed; one marked "does not parse" needs fixing before it is used.',
    '- Models wrote these files. Read them, run the tests and review them like any other change before they reach production.',
  ];
  if (opts.branch)
    lines.push(`- Also committed on branch ${codeSpan(opts.branch)}${opts.repo ? ` of ${opts.repo}` : ''}.`);
  lines.push('', '## Files', '');
  if (tree.files.length === 0) lines.push('_No files were handed over._');
  else {
    lines.push(
      '| Path | Stage | Role | Language | Size | Check | Replaced |',
      '|---|---|---|---|---|---|---|',
    );
    for (const f of tree.files) {
      lines.push(
        `| ${cell(codeSpan(f.path))} | ${cell(f.stageId)} | ${cell(f.role)} | ${cell(f.language)} | ${formatBytes(fileBytes(f.content))} | ${checkLabel(f)} | ${f.replaced.length ? cell(`the file from ${f.replaced.join(', then ')}`) : '—'} |`,
      );
    }
  }
  const withProblems = tree.stages.filter((s) => s.problems.length > 0);
  if (withProblems.length > 0) {
    lines.push('', '## Refused or flagged files', '');
    for (const s of withProblems) {
      lines.push(`### ${cell(s.stageId)} (${cell(s.role)})`, '');
      for (const p of s.problems) lines.push(`- ${codeSpan(p.path)} (${p.code}): ${cell(p.message)}`);
      lines.push('');
    }
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
