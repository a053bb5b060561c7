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

/** The key file as Slack has it: its id, and its permalink when the answer or the thread carried one. */
export interface Uploaded {
  fileId?: string;
  permalink?: string;
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
): Promise<Uploaded> {
  const { projectId, channelId, threadTs, effect } = data;
  const known = await deps.messages.get(projectId, effect.key);
  if (known.ts) return { fileId: known.ts }; // uploaded already
  if (known.pending) {
    const earlier = await deps.messages.recordedIds(projectId);
    const found = await findUploaded(deps.client, channelId, threadTs, what.keyFile, earlier);
    if (found?.id) {
      await deps.messages.record(projectId, effect.key, found.id, data.revision);
      return { fileId: found.id, ...(found.permalink ? { permalink: found.permalink } : {}) };
    }
  }
  const project = await deps.projects.get(projectId);
  if (!project) return {};
  const upload = await what.build(project);
  await deps.messages.markPending(projectId, effect.key);
  try {
    const result = await deps.writer.filesUploadV2({
      channel_id: channelId,
      thread_ts: threadTs,
      initial_comment: upload.comment,
      file_uploads: upload.files,
    });
    const file = uploadedFile(result.files, what.keyFile);
    await deps.messages.record(projectId, effect.key, file?.fileId ?? 'uploaded', data.revision);
    return file ?? {};
  } catch (err) {
    if (isRateLimited(err)) throw err;
    deps.metrics.slackApiErrors.inc({ error: platformError(err) ?? 'transport' });
    log.error({ err }, `${what.label} upload failed`);
    throw err;
  }
}

/** The uploaded file named `name` as Slack answered (files.uploadV2 answers one completion per file). */
function uploadedFile(
  completions: unknown,
  name: string,
): { fileId: string; permalink?: string } | undefined {
  const files: Array<{ id?: unknown; name?: unknown; permalink?: unknown }> = [];
  const collect = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(collect);
    else if (node && typeof node === 'object') {
      const o = node as { id?: unknown; name?: unknown; files?: unknown; permalink?: unknown };
      if (typeof o.id === 'string' && /^F[A-Z0-9]+$/.test(o.id)) files.push(o);
      if (o.files !== undefined) collect(o.files);
    }
  };
  collect(completions ?? []);
  const named = files.find((f) => f.name === name) ?? files[0];
  if (typeof named?.id !== 'string') return undefined;
  return { fileId: named.id, ...(typeof named.permalink === 'string' ? { permalink: named.permalink } : {}) };
}

/** The id of a file named `name` the bot shared in this thread and has not recorded yet, if any. */
async function findUploaded(
  client: webApi.WebClient,
  channel: string,
  threadTs: string,
  name: string,
  recorded: Set<string>,
): Promise<{ id?: string; permalink?: string } | undefined> {
  let found: { id?: string; permalink?: string } | undefined;
  await eachThreadMessage(client, channel, threadTs, (m) => {
    found = (m.files ?? []).find((f) => f.name === name && f.id && !recorded.has(f.id));
    return found !== undefined;
  });
  return found;
}

/** The permalink of a file the bot shared in this thread, read from the thread (no files:read needed). */
export async function filePermalink(
  client: webApi.WebClient,
  channel: string,
  threadTs: string,
  fileId: string,
): Promise<string | undefined> {
  let permalink: string | undefined;
  await eachThreadMessage(client, channel, threadTs, (m) => {
    permalink = (m.files ?? []).find((f) => f.id === fileId)?.permalink;
    return permalink !== undefined;
  });
  return permalink;
}
