import type { Logger } from 'pino';
import { formatDuration } from '../../domain/timeline.js';
import type { OutboxJob } from '../../memory/queues.js';
import { markText } from '../views/offline.js';
import { renderRunPicture } from '../views/picture/png.js';
import type { OutboxDeps } from './deps.js';
import { uploadOnce } from './file-upload.js';

/** The name `status picture` uploads under; the report's own picture is `pipewright-run.png` (report.ts). */
export const STATUS_PICTURE_FILENAME = 'pipewright-run-so-far.png';

/** Uploads the picture of the run as it stands (`status picture`) into the thread, once per key. */
export async function uploadRunPicture(deps: OutboxDeps, log: Logger, data: OutboxJob): Promise<void> {
  await uploadOnce(deps, log, data, {
    label: 'run picture',
    keyFile: STATUS_PICTURE_FILENAME,
    build: (project) => {
      const now = Date.now();
      const picture = renderRunPicture(project, now);
      return {
        comment: markText(
          `The run so far (${project.phase}, ${formatDuration(now - project.createdAt)} since the request): each stage over time, retries and waits for people marked, the critical path outlined.`,
          deps.render,
        ),
        files: [{ file: picture.png, filename: STATUS_PICTURE_FILENAME, title: 'Run timeline so far' }],
      };
    },
  });
}
