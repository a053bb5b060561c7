import type { webApi } from '@slack/bolt';
import type { Logger } from 'pino';
import type { Project } from '../../domain/project.js';
import type { OutboxJob } from '../../memory/queues.js';
import type { OutboxDeps } from './deps.js';
import { isRateLimited, platformError } from './slack-errors.js';
import { eachThreadMessage } from './thread-lookup.js';

/** One files.uploadV2 call: the thread comment and the files, the first named `keyFile` is the one recorded. */
export interface Upload {
  comment: string;
  files: Array<{ file: Buffer; filename: string; title: string }>;
}

/**
 * Uploads files into a project's thread once per effect key. Uploads carry no metadata, so one interrupted
 * by a crash is recognised in the thread by the name of its key file, among the files not yet recorded for
 * this project (a thread may hold earlier uploads of the same name: a run resumed after it finished).
 */
export async function uploadOnce(
  deps: OutboxDeps,
  log: Logger,
  data: OutboxJob,
  what: { label: string; keyFile: string; build: (project: Project) => Promise<Upload> | Upload },
): Promise<void> {
  const { projectId, channelId, threadTs, effect } = data;
  const known = await deps.messages.get(projectId, effect.key);
  if (known.ts) return; // uploaded already
  if (known.pending) {
    const earlier = await deps.messages.recordedIds(projectId);
    const fileId = await findUploaded(deps.client, channelId, threadTs, what.keyFile, earlier);
    if (fileId) {
      await deps.messages.record(projectId, effect.key, fileId, data.revision);
      return;
    }
  }
  const project = await deps.projects.get(projectId);
  if (!project) return;
  const upload = await what.build(project);
  await deps.messages.markPending(projectId, effect.key);
  try {
    const result = await deps.writer.filesUploadV2({
      channel_id: channelId,
      thread_ts: threadTs,
      initial_comment: upload.comment,
      file_uploads: upload.files,
    });
    const fileId = uploadedFileId(result.files, what.keyFile) ?? 'uploaded';
    await deps.messages.record(projectId, effect.key, fileId, data.revision);
  } catch (err) {
    if (isRateLimited(err)) throw err;
    deps.metrics.slackApiErrors.inc({ error: platformError(err) ?? 'transport' });
    log.error({ err }, `${what.label} upload failed`);
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

/** The id of a file named `name` the bot shared in this thread and has not recorded yet, if any. */
async function findUploaded(
  client: webApi.WebClient,
  channel: string,
  threadTs: string,
  name: string,
  recorded: Set<string>,
): Promise<string | undefined> {
  let found: string | undefined;
  await eachThreadMessage(client, channel, threadTs, (m) => {
    found = (m.files ?? []).find((f) => f.name === name && f.id && !recorded.has(f.id))?.id;
    return found !== undefined;
  });
  return found;
}
