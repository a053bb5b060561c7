import { setTimeout as sleep } from 'node:timers/promises';
import { webApi } from '@slack/bolt';
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import type { ChannelPacer } from '../memory/channel-pacer.js';
import type { Deliverable, DeliverableStore } from '../memory/deliverables.js';
import type { KeySpace } from '../memory/keys.js';
import type { ProjectStore } from '../memory/project-store.js';
import type { OutboxJob, Queues } from '../memory/queues.js';
import type { ThreadMessageStore } from '../memory/thread-messages.js';
import type { Metrics } from '../ops/metrics.js';
import { buildReport } from '../orchestrator/report.js';
import { viewSchema } from '../orchestrator/views.js';
import { type RenderedMessage, renderView } from './views/render.js';

export interface OutboxDeps {
  connection: Redis;
  pacer: ChannelPacer;
  keys: KeySpace;
  client: webApi.WebClient;
  messages: ThreadMessageStore;
  projects: ProjectStore;
  deliverables: DeliverableStore;
  logger: Logger;
  metrics: Metrics;
}

/** Slack errors that no retry can fix: the job is dropped with a log line. */
const PERMANENT_SLACK_ERRORS = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'msg_too_long',
  'no_text',
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'user_not_in_channel',
  'message_not_found',
  'cant_update_message',
]);

/**
 * Every Slack write goes through here. One worker per outbox shard; each shard is limited to one job at
 * a time across every bot replica (BullMQ global concurrency), so a thread's messages go out in order,
 * while shards run in parallel. New messages are paced per channel (memory/channel-pacer.ts); the
 * WebClient still waits out any 429 itself (Retry-After); a message Slack refuses for its blocks is sent
 * again as plain text rather than lost.
 */
export async function startOutboxWorkers(
  deps: OutboxDeps & { queues: Queues },
): Promise<Worker<OutboxJob>[]> {
  return Promise.all(
    deps.queues.slackOutbox.map(async (queue) => {
      await queue.setGlobalConcurrency(1);
      const worker = new Worker<OutboxJob>(queue.name, (job) => deliver(deps, job), {
        connection: deps.connection,
        prefix: deps.keys.bull,
        concurrency: 1,
      });
      worker.on('error', (err) => deps.logger.error({ err, queue: queue.name }, 'outbox worker error'));
      worker.on('failed', (job, err) =>
        deps.logger.error({ err, jobId: job?.id, attempts: job?.attemptsMade }, 'slack write failed'),
      );
      return worker;
    }),
  );
}

async function deliver(deps: OutboxDeps, job: Job<OutboxJob>): Promise<void> {
  const { projectId, channelId, threadTs, revision, effect } = job.data;
  const log = deps.logger.child({ projectId, key: effect.key, revision });
  if (effect.kind === 'report') {
    await uploadReport(deps, log, job.data);
    return;
  }
  const view = viewSchema.safeParse(effect.view);
  if (!view.success) throw new UnrecoverableError(`outbox job ${job.id} has an invalid view`);
  const message = renderView(view.data);

  const send = <T>(call: SlackCall<T>) => sendWithFallback(log, deps.metrics, message, call);
  if (effect.kind === 'ephemeral') {
    await send((m) =>
      deps.client.chat.postEphemeral({ channel: channelId, user: effect.userId, thread_ts: threadTs, ...m }),
    );
    return;
  }

  const known = await deps.messages.get(projectId, effect.key);
  // A newer version of a message edited in place is queued behind this one: let that one speak.
  if (effect.mode === 'upsert' && known.wanted > revision) return;
  // A previous attempt died between posting and recording: find that message instead of posting twice.
  const ts =
    known.ts ??
    (known.pending ? await findPosted(deps.client, channelId, threadTs, projectId, effect.key) : undefined);
  if (ts && (effect.mode === 'post' || known.revision >= revision)) {
    if (!known.ts) await deps.messages.record(projectId, effect.key, ts, known.revision);
    return; // already shown, or a newer version is
  }
  if (ts) {
    await send((m) => deps.client.chat.update({ channel: channelId, ts, ...m }));
    await deps.messages.record(projectId, effect.key, ts, revision);
    return;
  }
  await deps.messages.markPending(projectId, effect.key);
  // This lane runs one job at a time, so waiting here for the channel's slot keeps the thread's order.
  const wait = await deps.pacer.reserve(channelId);
  deps.metrics.slackPacingWait.observe(wait / 1000);
  if (wait > 0) await sleep(wait);
  const posted = await send((m) =>
    deps.client.chat.postMessage({
      channel: channelId,
      thread_ts: threadTs,
      unfurl_links: false,
      unfurl_media: false,
      metadata: {
        event_type: MESSAGE_METADATA_TYPE,
        event_payload: { project_id: projectId, key: effect.key },
      },
      ...m,
    }),
  );
  if (typeof posted.ts === 'string') await deps.messages.record(projectId, effect.key, posted.ts, revision);
}

/** Marks every message we post, so a retry can recognise its own earlier post in the thread. */
const MESSAGE_METADATA_TYPE = 'pipewright_message';

/** The ts of the message we posted for `key` in this thread, if Slack has it. */
async function findPosted(
  client: webApi.WebClient,
  channel: string,
  threadTs: string,
  projectId: string,
  key: string,
): Promise<string | undefined> {
  let found: string | undefined;
  await eachThreadMessage(client, channel, threadTs, (m) => {
    const meta = m.metadata as { event_type?: string; event_payload?: Record<string, unknown> } | undefined;
    if (
      meta?.event_type === MESSAGE_METADATA_TYPE &&
      meta.event_payload?.project_id === projectId &&
      meta.event_payload?.key === key &&
      m.ts
    ) {
      found = m.ts;
    }
    return found !== undefined;
  });
  return found;
}

type ThreadMessage = { ts?: string; metadata?: unknown; files?: Array<{ id?: string; name?: string }> };

/** Walks a thread's messages (metadata included), up to 2,000 of them, until `visit` returns true. */
async function eachThreadMessage(
  client: webApi.WebClient,
  channel: string,
  threadTs: string,
  visit: (message: ThreadMessage) => boolean,
): Promise<void> {
  let cursor: string | undefined;
  for (let page = 0; page < 10; page++) {
    const res = await client.conversations.replies({
      channel,
      ts: threadTs,
      include_all_metadata: true,
      limit: 200,
      ...(cursor ? { cursor } : {}),
    });
    for (const m of res.messages ?? []) if (visit(m)) return;
    cursor = res.response_metadata?.next_cursor || undefined;
    if (!cursor) return;
  }
}

const REPORT_FILENAME = 'pipewright-report.md';

/**
 * Uploads the full report (Markdown and JSON metadata) into the thread, once per report key.
 * Uploads carry no metadata, so an upload interrupted by a crash is recognised in the thread by its
 * file name instead.
 */
async function uploadReport(deps: OutboxDeps, log: Logger, data: OutboxJob): Promise<void> {
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
  const report = buildReport(project, deliverables);
  await deps.messages.markPending(projectId, effect.key);
  try {
    const result = await deps.client.filesUploadV2({
      channel_id: channelId,
      thread_ts: threadTs,
      initial_comment: 'Full report: every deliverable, and the run metadata as JSON.',
      file_uploads: [
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
    const fileId = JSON.stringify(result.files ?? []).match(/"id":"(F[A-Z0-9]+)"/)?.[1] ?? 'uploaded';
    await deps.messages.record(projectId, effect.key, fileId, data.revision);
  } catch (err) {
    deps.metrics.slackApiErrors.inc({ error: platformError(err) ?? 'transport' });
    log.error({ err }, 'report upload failed');
    throw err;
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

type SlackCall<T> = (message: RenderedMessage | { text: string }) => Promise<T>;

async function sendWithFallback<T>(
  log: Logger,
  metrics: Metrics,
  message: RenderedMessage,
  call: SlackCall<T>,
): Promise<T> {
  try {
    return await call(message);
  } catch (err) {
    const slackError = platformError(err);
    metrics.slackApiErrors.inc({ error: slackError ?? 'transport' });
    if (slackError === 'invalid_blocks') {
      log.error({ err }, 'slack refused the blocks; sending plain text instead');
      return await call({ text: message.text });
    }
    if (slackError && PERMANENT_SLACK_ERRORS.has(slackError)) {
      log.error({ slackError }, 'slack refused the message permanently');
      throw new UnrecoverableError(`slack: ${slackError}`);
    }
    throw err;
  }
}

function platformError(err: unknown): string | undefined {
  if (
    typeof err === 'object' &&
    err !== null &&
    'code' in err &&
    err.code === webApi.ErrorCode.PlatformError
  ) {
    const data = (err as { data?: { error?: unknown } }).data;
    return typeof data?.error === 'string' ? data.error : undefined;
  }
  return undefined;
}
