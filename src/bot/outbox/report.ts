import type { webApi } from '@slack/bolt';
import type { Logger } from 'pino';
import type { Deliverable } from '../../domain/deliverable.js';
import type { Project } from '../../domain/project.js';
import { buildReport } from '../../domain/report.js';
import type { OutboxJob } from '../../memory/queues.js';
import { markText } from '../views/offline.js';
import { renderRunPicture } from '../views/picture/png.js';
import type { OutboxDeps } from './deps.js';
import { isRateLimited, platformError } from './slack-errors.js';
import { eachThreadMessage } from './thread-lookup.js';

const REPORT_FILENAME = 'pipewright-report.md';
export const PICTURE_FILENAME = 'pipewright-run.png';

/**
 * Uploads the full report (Markdown and JSON metadata) into the thread, once per report key.
 * Uploads carry no metadata, so an upload interrupted by a crash is recognised in the thread by its
 * file name instead.
 */
export async function uploadReport(deps: OutboxDeps, log: Logger, data: OutboxJob): Promise<void> {
  const { projectId, channelId, threadTs, effect } = data;
  const known = await deps.messages.get(projectId, effect.key);
  if (known.ts) return; // uploaded already
  if (known.pending) {
    // A thread may hold earlier reports of this project (a run resumed after it finished): skip those.
    const earlier = await deps.messages.recordedIds(projectId);
    const fileId = await findUploadedReport(deps.client, channelId, threadTs, earlier);
    if (fileId) {
      await deps.messages.record(projectId, effect.key, fileId, data.revision);
      return;
    }
  }
  const project = await deps.projects.get(projectId);
  if (!project) return;
  const deliverables = new Map<string, Deliverable>();
  for (const stage of project.plan?.stages ?? []) {
    const run = project.stages[stage.id];
    const d = run ? await deps.deliverables.get(projectId, stage.id, run.attempt) : undefined;
    if (d) deliverables.set(stage.id, d);
  }
  const audit = await deps.audit.all(projectId);
  const picture = drawPicture(project, log);
  const report = buildReport(project, deliverables, {
    audit,
    ...(picture ? { timelinePngBase64: picture.toString('base64'), timelineFilename: PICTURE_FILENAME } : {}),
  });
  await deps.messages.markPending(projectId, effect.key);
  try {
    const result = await deps.writer.filesUploadV2({
      channel_id: channelId,
      thread_ts: threadTs,
      initial_comment: markText(
        picture
          ? 'The run at a glance (timeline), the full report with every deliverable, and the run metadata as JSON.'
          : 'Full report: every deliverable, and the run metadata as JSON.',
        deps.render,
      ),
      file_uploads: [
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
    });
    // The report's own file id: a crash-time look-up in the thread finds the report by that file.
    const fileId = uploadedFileId(result.files, REPORT_FILENAME) ?? 'uploaded';
    await deps.messages.record(projectId, effect.key, fileId, data.revision);
  } catch (err) {
    if (isRateLimited(err)) throw err;
    deps.metrics.slackApiErrors.inc({ error: platformError(err) ?? 'transport' });
    log.error({ err }, 'report upload failed');
    throw err;
  }
}

/** The id Slack gave the uploaded file named `name` (files.uploadV2 answers one completion per file). */
function uploadedFileId(completions: unknown, name: string): string | undefined {
  const files: Array<{ id?: unknown; name?: unknown }> = [];
  const collect = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(collect);
    else if (node && typeof node === 'object') {
      const o = node as { id?: unknown; name?: unknown; files?: unknown };
      if (typeof o.id === 'string' && /^F[A-Z0-9]+$/.test(o.id)) files.push(o);
      if (o.files !== undefined) collect(o.files);
    }
  };
  collect(completions ?? []);
  const named = files.find((f) => f.name === name) ?? files[0];
  return typeof named?.id === 'string' ? named.id : undefined;
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

/** The id of a report file the bot shared in this thread and has not recorded yet, if any. */
async function findUploadedReport(
  client: webApi.WebClient,
  channel: string,
  threadTs: string,
  recorded: Set<string>,
): Promise<string | undefined> {
  let found: string | undefined;
  await eachThreadMessage(client, channel, threadTs, (m) => {
    found = (m.files ?? []).find((f) => f.name === REPORT_FILENAME && f.id && !recorded.has(f.id))?.id;
    return found !== undefined;
  });
  return found;
}
