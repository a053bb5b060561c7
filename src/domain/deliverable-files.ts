import { posix } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';

/**
 * Files a stage hands over (code, configuration, manifests, charts, dashboards, alert rules), as the model
 * returns them and as they are stored. The checks here are what stands between model output and a team's
 * repository: relative, normalised, unique paths; bounded sizes; YAML and JSON that parse.
 */

export const FILE_LIMITS = {
  /** Files one stage may hand over. */
  perStage: 24,
  /** Characters of one file (about 16k tokens). */
  fileChars: 64_000,
  /** Characters of all of one stage's files together. */
  stageChars: 200_000,
  pathChars: 160,
} as const;

/** One file as the model returns it (loose: the checks below decide what is kept). */
export const modelFileSchema = z.object({
  path: z.string().min(1).max(400),
  language: z.string().min(1).max(40),
  content: z.string(),
});
export type ModelFile = z.infer<typeof modelFileSchema>;

/** One file as it is stored with the deliverable, after the checks. */
export const deliverableFileSchema = z.object({
  path: z.string().min(1).max(FILE_LIMITS.pathChars),
  language: z.string().min(1).max(40),
  content: z.string().max(FILE_LIMITS.fileChars),
  /** YAML and JSON: whether it parsed; other languages are not parsed. */
  parses: z.boolean().optional(),
});
export type DeliverableFile = z.infer<typeof deliverableFileSchema>;

export const FILE_PROBLEM_CODES = [
  'unsafe_path',
  'duplicate_path',
  'too_large',
  'too_many',
  'parse_error',
] as const;
export type FileProblemCode = (typeof FILE_PROBLEM_CODES)[number];

export const fileProblemSchema = z.object({
  code: z.enum(FILE_PROBLEM_CODES),
  path: z.string().max(400),
  message: z.string().max(600),
});
export type FileProblem = z.infer<typeof fileProblemSchema>;

export interface CheckedFiles {
  /** What is kept: safe paths, within the caps; a file that does not parse is kept, marked `parses: false`. */
  files: DeliverableFile[];
  problems: FileProblem[];
}

/**
 * A model path made safe, or why it cannot be: backslashes become slashes, `./` and repeated slashes go;
 * absolute paths, drive letters, `..`, control characters and `.git` are refused (a path is written into a
 * git tree and an archive, so it must stay inside them).
 */
export function normaliseFilePath(raw: string): { ok: true; path: string } | { ok: false; why: string } {
  const trimmed = raw.trim().replaceAll('\\', '/');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f]/.test(trimmed)) return { ok: false, why: 'it contains control characters' };
  if (trimmed.startsWith('/') || /^[a-zA-Z]:/.test(trimmed) || trimmed.startsWith('~'))
    return { ok: false, why: 'it is absolute; paths must be relative to the repository root' };
  if (trimmed.split('/').includes('..')) return { ok: false, why: 'it climbs out with ".."' };
  const path = posix.normalize(trimmed).replace(/^(\.\/)+/, '');
  if (path === '' || path === '.' || path.endsWith('/')) return { ok: false, why: 'it names no file' };
  if (path.split('/').some((segment) => segment === '.git'))
    return { ok: false, why: 'it writes inside .git' };
  if (path.length > FILE_LIMITS.pathChars)
    return { ok: false, why: `it is over ${FILE_LIMITS.pathChars} characters` };
  return { ok: true, path };
}

/** Languages whose files must parse, by declared language or extension. */
function structuredKind(path: string, language: string): 'yaml' | 'json' | undefined {
  const lang = language.toLowerCase();
  if (lang === 'yaml' || lang === 'yml' || /\.ya?ml$/i.test(path)) return 'yaml';
  if (lang === 'json' || /\.json$/i.test(path)) return 'json';
  return undefined;
}

/** Why a YAML or JSON text does not parse (the first few errors, with line numbers), or undefined. */
export function parseError(path: string, language: string, content: string): string | undefined {
  const kind = structuredKind(path, language);
  if (kind === 'json') {
    try {
      JSON.parse(content);
      return undefined;
    } catch (err) {
      return `JSON does not parse: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
  if (kind === 'yaml') {
    // Helm templates hold `{{ … }}` that only parse after rendering; they are checked by `helm lint`, not here.
    if (/(^|\/)templates\//.test(path) && content.includes('{{')) return undefined;
    const errors = parseAllDocuments(content, { prettyErrors: true }).flatMap((doc) =>
      'errors' in doc ? doc.errors : [],
    );
    if (errors.length === 0) return undefined;
    return `YAML does not parse: ${errors
      .slice(0, 3)
      .map((e) => (e.message.split('\n')[0] ?? '').replace(/:$/, ''))
      .join('; ')}`;
  }
  return undefined;
}

/**
 * Checks one stage's files: each path normalised or refused, duplicates (case-insensitive: macOS and
 * Windows checkouts would collide) refused, caps applied in order, YAML and JSON parsed. Problems go back
 * to the author in its revision round and into the report.
 */
export function checkFiles(files: readonly ModelFile[]): CheckedFiles {
  const kept: DeliverableFile[] = [];
  const problems: FileProblem[] = [];
  const seen = new Set<string>();
  let chars = 0;
  for (const file of files) {
    const normalised = normaliseFilePath(file.path);
    const shownPath = file.path.slice(0, 200);
    if (!normalised.ok) {
      problems.push({ code: 'unsafe_path', path: shownPath, message: `Path refused: ${normalised.why}.` });
      continue;
    }
    const { path } = normalised;
    if (seen.has(path.toLowerCase())) {
      problems.push({
        code: 'duplicate_path',
        path,
        message: 'Two files have this path; the first is kept.',
      });
      continue;
    }
    if (kept.length >= FILE_LIMITS.perStage) {
      problems.push({
        code: 'too_many',
        path,
        message: `Over ${FILE_LIMITS.perStage} files in one stage; merge small files.`,
      });
      continue;
    }
    if (file.content.length > FILE_LIMITS.fileChars || chars + file.content.length > FILE_LIMITS.stageChars) {
      problems.push({
        code: 'too_large',
        path,
        message: `${file.content.length} characters; one file may have ${FILE_LIMITS.fileChars} and a stage's files ${FILE_LIMITS.stageChars} together.`,
      });
      continue;
    }
    seen.add(path.toLowerCase());
    chars += file.content.length;
    const error = parseError(path, file.language, file.content);
    if (error) problems.push({ code: 'parse_error', path, message: error.slice(0, 600) });
    const structured = structuredKind(path, file.language) !== undefined;
    kept.push({
      path,
      language: file.language,
      content: file.content,
      ...(structured ? { parses: error === undefined } : {}),
    });
  }
  return { files: kept, problems };
}
