import type { Logger } from 'pino';
import type { Deliverable } from '../../domain/deliverable.js';
import type { Project } from '../../domain/project.js';
import { buildReport } from '../../domain/report.js';
import type { OutboxJob } from '../../memory/queues.js';
import { markText } from '../views/offline.js';
import { renderRunPicture } from '../views/picture/png.js';
import type { OutboxDeps } from './deps.js';
import { uploadOnce } from './file-upload.js';

const REPORT_FILENAME = 'pipewright-report.md';
export const PICTURE_FILENAME = 'pipewright-run.png';

/**
 * Uploads the run picture, the full report (Markdown) and the run metadata (JSON) into the thread, once per
 * report key; the report's Markdown file is the one a crash-time look-up finds.
 */
export async function uploadReport(deps: OutboxDeps, log: Logger, data: OutboxJob): Promise<void> {
  await uploadOnce(deps, log, data, {
    label: 'report',
    keyFile: REPORT_FILENAME,
    build: async (project) => {
      const deliverables = new Map<string, Deliverable>();
      for (const stage of project.plan?.stages ?? []) {
        const run = project.stages[stage.id];
        const d = run ? await deps.deliverables.get(project.id, stage.id, run.attempt) : undefined;
        if (d) deliverables.set(stage.id, d);
      }
      const audit = await deps.audit.all(project.id);
      const picture = drawPicture(project, log);
      const report = buildReport(project, deliverables, {
        audit,
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
