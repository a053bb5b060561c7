import type { webApi } from '@slack/bolt';
import type { Logger } from 'pino';
import { formatDuration } from '../../domain/timeline.js';
import type { OutboxJob } from '../../memory/queues.js';
import { markText } from '../views/offline.js';
import { renderRunPicture } from '../views/picture/png.js';
import type { OutboxDeps } from './deps.js';
import { isRateLimited, platformError } from './slack-errors.js';
import { eachThreadMessage } from './thread-lookup.js';

/** The name `status picture` uploads under; the report's own picture is `pipewright-run.png` (report.ts). */
export const STATUS_PICTURE_FILENAME = 'pipewright-run-so-far.png';

/**
 * Uploads the picture of the run as it stands (`status picture`) into the thread, once per key. Like the
 * report: an upload interrupted by a crash is recognised in the thread by its file name, among the files
 * not yet recorded for this project.
 */
export async function uploadRunPicture(deps: OutboxDeps, log: Logger, data: OutboxJob): Promise<void> {
  const { projectId, channelId, threadTs, effect } = data;
  const known = await deps.messages.get(projectId, effect.key);
  if (known.ts) return; // uploaded already
  if (known.pending) {
    const earlier = await deps.messages.recordedIds(projectId);
    const fileId = await findUploaded(deps.client, channelId, threadTs, earlier);
    if (fileId) {
      await deps.messages.record(projectId, effect.key, fileId, data.revision);
      return;
    }
  }
  const project = await deps.projects.get(projectId);
  if (!project) return;
  const now = Date.now();
  const picture = renderRunPicture(project, now);
  await deps.messages.markPending(projectId, effect.key);
  try {
    const result = await deps.writer.filesUploadV2({
      channel_id: channelId,
      thread_ts: threadTs,
      initial_comment: markText(
        `The run so far (${project.phase}, ${formatDuration(now - project.createdAt)} since the request): each stage over time, retries and waits for people marked, the critical path outlined.`,
        deps.render,
      ),
      file_uploads: [{ file: picture.png, filename: STATUS_PICTURE_FILENAME, title: 'Run timeline so far' }],
    });
    const fileId = JSON.stringify(result.files ?? []).match(/"id":"(F[A-Z0-9]+)"/)?.[1] ?? 'uploaded';
    await deps.messages.record(projectId, effect.key, fileId, data.revision);
  } catch (err) {
    if (isRateLimited(err)) throw err;
    deps.metrics.slackApiErrors.inc({ error: platformError(err) ?? 'transport' });
    log.error({ err }, 'run picture upload failed');
    throw err;
  }
}

async function findUploaded(
  client: webApi.WebClient,
  channel: string,
  threadTs: string,
  recorded: Set<string>,
): Promise<string | undefined> {
  let found: string | undefined;
  await eachThreadMessage(client, channel, threadTs, (m) => {
    found = (m.files ?? []).find(
      (f) => f.name === STATUS_PICTURE_FILENAME && f.id && !recorded.has(f.id),
    )?.id;
    return found !== undefined;
  });
  return found;
}
