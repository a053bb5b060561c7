import type { Logger } from 'pino';
import type { Deliverable } from '../../domain/deliverable.js';
import { messageKeys } from '../../domain/ids.js';
import type { Project } from '../../domain/project.js';
import { archiveFilename, buildArchive } from '../../domain/project-archive.js';
import { buildIndex, type ProjectFiles, projectFiles } from '../../domain/project-files.js';
import type { ReportFiles } from '../../domain/report-files.js';
import type { OutboxJob } from '../../memory/queues.js';
import { markText } from '../views/offline.js';
import type { OutboxDeps } from './deps.js';
import { filePermalink, type Uploaded, uploadOnce } from './file-upload.js';
import { isRateLimited, platformError } from './slack-errors.js';

/** The deliverable of each stage's current attempt, as the report and the archive read them. */
export async function currentDeliverables(
  deps: OutboxDeps,
  project: Project,
): Promise<Map<string, Deliverable>> {
  const deliverables = new Map<string, Deliverable>();
  for (const stage of project.plan?.stages ?? []) {
    const run = project.stages[stage.id];
    const d = run ? await deps.deliverables.get(project.id, stage.id, run.attempt) : undefined;
    if (d) deliverables.set(stage.id, d);
  }
  return deliverables;
}

/** INDEX.md as the archive and the branch carry it: it names the branch when the push worked. */
export function indexFor(project: Project, tree: ProjectFiles): string {
  const p = project.filesPublication;
  return buildIndex(project, tree, p && !p.error ? { branch: p.branch, repo: p.repo } : {});
}

/**
 * Uploads the project's files as one zip into the thread, once per report key, just before the report,
 * and returns what the report links. Nothing is uploaded when no stage handed over a file.
 */
export async function uploadFilesArchive(
  deps: OutboxDeps,
  log: Logger,
  data: OutboxJob,
  project: Project,
  deliverables: ReadonlyMap<string, Deliverable>,
): Promise<ReportFiles> {
  const tree = projectFiles(project, deliverables);
  if (tree.files.length === 0) return { tree };
  const filename = archiveFilename(tree);
  let uploaded: Uploaded;
  try {
    uploaded = await uploadOnce(
      deps,
      log,
      { ...data, effect: { ...data.effect, key: messageKeys.filesArchive(data.effect.key) } },
      {
        label: 'files archive',
        keyFile: filename,
        build: () => ({
          comment: markText(
            `The project's files: ${tree.files.length} file(s) from ${tree.stages.filter((s) => s.paths.length > 0).length} stage(s), with INDEX.md saying which stage wrote each.`,
            deps.render,
          ),
          files: [
            {
              file: Buffer.from(buildArchive(tree, indexFor(project, tree))),
              filename,
              title: `Files: ${tree.title.slice(0, 120)}`,
            },
          ],
        }),
      },
    );
  } catch (err) {
    // Slack refused the archive itself (an answer, not an outage): the report goes without it rather than
    // not at all. Outages and rate limits are retried with the job.
    if (isRateLimited(err) || platformError(err) === undefined) throw err;
    return { tree };
  }
  const permalink =
    uploaded.permalink ??
    (uploaded.fileId
      ? await filePermalink(deps.client, data.channelId, data.threadTs, uploaded.fileId).catch(
          (err: unknown) => {
            log.warn({ err }, 'no permalink for the files archive; the report names it instead');
            return undefined;
          },
        )
      : undefined);
  return { tree, archive: { filename, ...(permalink ? { permalink } : {}) } };
}
