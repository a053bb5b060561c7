import { z } from 'zod';
import type { Deliverable } from './deliverable.js';
import type { Project } from './project.js';

/**
 * Where the project's files were committed (DELIVERABLES_GIT_URL), as the summary and the report name it:
 * the repository without credentials, the branch, and the commit; or why the push failed (short, redacted).
 */
export const filesPublicationSchema = z.object({
  /** The repository URL with any user name and password taken out. */
  repo: z.string().max(400),
  branch: z.string().max(200),
  /** The commit the branch points at after the push; absent when it failed. */
  commit: z.string().max(64).optional(),
  /** Files committed (INDEX.md not counted). */
  files: z.number().int().min(0),
  /** Why the push failed, credentials redacted; absent when it worked. */
  error: z.string().max(400).optional(),
});
export type FilesPublication = z.infer<typeof filesPublicationSchema>;

/** One line for Slack and the report, e.g. "branch `pipewright/churn-1a2b3c4d` on https://git.example/ml.git". */
export function describePublication(p: FilesPublication): string {
  return p.error
    ? `Files: the push of branch \`${p.branch}\` to ${p.repo} failed (${p.error}).`
    : `Files: branch \`${p.branch}\` on ${p.repo}${p.commit ? ` (commit ${p.commit.slice(0, 12)})` : ''}.`;
}

/**
 * Commits the project's files where the deployment keeps them (DELIVERABLES_GIT_URL) before the summary is
 * written; never throws: a failure comes back as the publication's `error`. Undefined: no files to commit.
 */
export interface FilesPublisher {
  publish(
    project: Project,
    deliverables: ReadonlyMap<string, Deliverable>,
  ): Promise<FilesPublication | undefined>;
}
