import { describePublication } from './files-publication.js';
import type { Project } from './project.js';
import { codeSpan, fileBytes, formatBytes, type ProjectFiles } from './project-files.js';

/** The files part of the report: the archive in the thread, the branch, and each stage's files. */
export interface ReportFiles {
  tree: ProjectFiles;
  /** The archive uploaded to the thread; `permalink` when Slack gave one. */
  archive?: { filename: string; permalink?: string };
}

/** The report's "Files" section; empty when the run handed over no files and refused none. */
export function filesSection(project: Project, files: ReportFiles | undefined): string[] {
  if (!files || files.tree.stages.length === 0) return [];
  const { tree, archive } = files;
  const lines = ['## Files', ''];
  if (archive) {
    const name = archive.permalink
      ? `[${archive.filename}](${archive.permalink})`
      : codeSpan(archive.filename);
    lines.push(
      `- Archive: ${name}, attached to the thread: ${tree.files.length} file(s) under ${codeSpan(`${tree.name}/`)}, with INDEX.md.`,
    );
  }
  if (project.filesPublication) lines.push(`- ${describePublication(project.filesPublication)}`);
  lines.push('');
  const byPath = new Map(tree.files.map((f) => [f.path.toLowerCase(), f]));
  for (const stage of tree.stages) {
    lines.push(`### ${stage.stageId} (${stage.role})`, '');
    for (const path of stage.paths) {
      const kept = byPath.get(path.toLowerCase());
      const notes = [
        kept?.parses === true ? 'parses' : kept?.parses === false ? 'does not parse' : undefined,
        kept && kept.stageId === stage.stageId
          ? undefined
          : `replaced by ${kept?.stageId ?? 'a later stage'}`,
      ].filter((n): n is string => n !== undefined);
      const size = kept && kept.stageId === stage.stageId ? `, ${formatBytes(fileBytes(kept.content))}` : '';
      lines.push(
        `- ${codeSpan(path)} (${kept?.language ?? 'file'}${size})${notes.length ? `: ${notes.join('; ')}` : ''}`,
      );
    }
    for (const p of stage.problems)
      lines.push(`- Refused or flagged: ${codeSpan(p.path)} (${p.code}): ${p.message}`);
    lines.push('');
  }
  return lines;
}
