import { strToU8, type Zippable, zipSync } from 'fflate';
import { INDEX_PATH, type ProjectFiles } from './project-files.js';

/** The archive's name in the thread, e.g. `churn-model-1a2b3c4d-files.zip`. */
export function archiveFilename(tree: ProjectFiles): string {
  return `${tree.name}-files.zip`;
}

/**
 * The project's files as one zip: every file under a top folder named after the project, with INDEX.md.
 * Every entry carries the same fixed time (when the newest file was produced), and entries go in path
 * order, so the same files always give the same bytes.
 */
export function buildArchive(tree: ProjectFiles, index: string): Uint8Array {
  // ZIP (DOS) times start in 1980 and are wall-clock times, which fflate reads in local time: shifted so
  // the entry shows the UTC time and every machine writes the same bytes.
  const at = Math.max(tree.producedAt, Date.UTC(1980, 1, 1));
  const mtime = new Date(at + new Date(at).getTimezoneOffset() * 60_000);
  const entries: Zippable = {};
  entries[`${tree.name}/${INDEX_PATH}`] = [strToU8(index), { mtime }];
  for (const file of tree.files) entries[`${tree.name}/${file.path}`] = [strToU8(file.content), { mtime }];
  return zipSync(entries, { level: 6, mtime });
}
