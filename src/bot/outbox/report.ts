import type { Logger } from 'pino';
import type { Project } from '../../domain/project.js';
import { buildReport } from '../../domain/report.js';
import type { OutboxJob } from '../../memory/queues.js';
import { markText } from '../views/offline.js';
import { renderRunPicture } from '../views/picture/png.js';
import type { OutboxDeps } from './deps.js';
import { uploadOnce } from './file-upload.js';
import { currentDeliverables, uploadFilesArchive } from './files-archive.js';

const REPORT_FILENAME = 'pipewright-report.md';
export const PICTURE_FILENAME = 'pipewright-run.png';

/**
 * Uploads the run picture, the full report (Markdown) and the run metadata (JSON) into the thread, once per
 * report key; the report's Markdown file is the one a crash-time look-up finds. The project's files go
 * just before, as their own upload (files-archive.ts), so the report can link them.
 */
export async function uploadReport(deps: OutboxDeps, log: Logger, data: OutboxJob): Promise<void> {
  const known = await deps.messages.get(data.projectId, data.effect.key);
  if (known.ts) return; // uploaded already, the archive before it
  const current = await deps.projects.get(data.projectId);
  if (!current) return;
  // The archive goes first, so the report can link it.
  const files = await uploadFilesArchive(deps, log, data, current, await currentDeliverables(deps, current));
  await uploadOnce(deps, log, data, {
    label: 'report',
    keyFile: REPORT_FILENAME,
    build: async (project) => {
      const deliverables = await currentDeliverables(deps, project);
      const audit = await deps.audit.all(project.id);
      const picture = drawPicture(project, log);
      const report = buildReport(project, deliverables, {
        audit,
        files,
        ...(picture
          ? { timelinePngBase64: picture.toString('base64'), timelineFilename: PICTURE_FILENAME }
          : {}),
      });
      return {
        comment: markText(
          picture
            ? 'The run at a glance (timeline), the full report with every deliverable, and the run metadata as JSON.'
            : 'Full report: every deliverable, and the run metadata as JSON.',
          deps.render,
        ),
        files: [
          ...(picture ? [{ file: picture, filename: PICTURE_FILENAME, title: 'Run timeline' }] : []),
          {
            file: Buffer.from(report.markdown, 'utf8'),
            filename: REPORT_FILENAME,
            title: 'Pipewright report',
          },
          {
            file: Buffer.from(JSON.stringify(report.metadata, null, 2), 'utf8'),
            filename: 'pipewright-run.json',
            title: 'Run metadata',
          },
        ],
      };
    },
  });
}

/** The run picture; a report goes out without it rather than not at all. */
function drawPicture(project: Project, log: Logger): Buffer | undefined {
  try {
    return renderRunPicture(project, project.updatedAt).png;
  } catch (err) {
    log.error({ err }, 'run picture could not be drawn; the report goes without it');
    return undefined;
  }
}
