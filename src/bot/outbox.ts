import { webApi } from '@slack/bolt';
import { DelayedError, type Job, type Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Deliverable } from '../domain/deliverable.js';
import { buildReport } from '../domain/report.js';
import { type View, viewSchema } from '../domain/views.js';
import type { ChannelPacer } from '../memory/channel-pacer.js';
import type { DeliverableStore } from '../memory/deliverables.js';
import type { KeySpace } from '../memory/keys.js';
import type { ProjectStore } from '../memory/project-store.js';
import type { OutboxJob, Queues } from '../memory/queues.js';
import type { ThreadMessageStore } from '../memory/thread-messages.js';
import type { ThreadOrder } from '../memory/thread-order.js';
import type { Metrics } from '../ops/metrics.js';
import { boltLogger } from './bolt-logger.js';
import type { SlackSettings } from './settings.js';
import type { RenderedMessage } from './views/message.js';
import { renderView } from './views/render.js';

export interface OutboxDeps {
  connection: Redis;
  pacer: ChannelPacer;
  keys: KeySpace;
  /** Bolt's client, for reads (looking a message up in its thread): those may be retried by the client. */
  client: webApi.WebClient;
  /** Every write goes through this one, which never retries by itself (`createSlackWriter`). */
  writer: webApi.WebClient;
  messages: ThreadMessageStore;
  order: ThreadOrder;
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
 * How long a write waits aside for its thread's turn before it looks again. The write ahead of it wakes it
 * as soon as it is done; this is only the fallback for when that wake-up is lost (a crash in between).
 */
const TURN_RECHECK_MS = 15_000;

/**
 * The Web API client for Slack writes. It never retries by itself: a write whose answer was lost (network
 * error, timeout, 5xx) may have reached Slack, so the outbox job retries it after looking for it in the
 * thread. A 429 comes back at once (`rejectRateLimitedCalls`) and the outbox sets that job aside for
 * Retry-After: the client's own wait would pause every Slack request of the process and hold the lane.
 */
export function createSlackWriter(
  slack: Pick<SlackSettings, 'botToken' | 'apiUrl' | 'timeoutMs'>,
  logger: Logger,
): webApi.WebClient {
  return new webApi.WebClient(slack.botToken, {
    ...(slack.apiUrl ? { slackApiUrl: slack.apiUrl } : {}),
    timeout: slack.timeoutMs,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    logger: boltLogger(logger),
  });
}

/**
 * Every Slack write goes through here. One worker per outbox shard (lane); each lane runs one job at a
 * time across every bot replica (BullMQ global concurrency), while lanes run in parallel. A write never
 * waits on its lane: one that must wait (for its channel's next post slot, a 429's Retry-After, its
 * thread's turn) is set aside in the queue (delayed) and the lane goes on with other threads. A thread's
 * own writes keep their order through its line (memory/thread-order.ts): only the first may go.
 * A message Slack refuses for its blocks is sent again as plain text rather than lost.
 */
export async function startOutboxWorkers(
  deps: OutboxDeps & { queues: Queues },
): Promise<Worker<OutboxJob>[]> {
  return Promise.all(
    deps.queues.slackOutbox.map(async (queue) => {
      await queue.setGlobalConcurrency(1);
      const worker = new Worker<OutboxJob>(queue.name, (job, token) => deliver(deps, queue, job, token), {
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

async function deliver(
  deps: OutboxDeps,
  queue: Queue<OutboxJob>,
  job: Job<OutboxJob>,
  token: string | undefined,
): Promise<void> {
  const { projectId, revision, effect } = job.data;
  const jobId = job.id;
  if (!jobId) throw new UnrecoverableError('outbox job without an id');
  const log = deps.logger.child({ projectId, key: effect.key, revision });
  try {
    // Only the person who clicked sees an ephemeral message: it has no place in the thread's order.
    if (effect.kind === 'ephemeral') return await sendEphemeral(deps, log, job.data);
    await waitForTurn(deps, queue, job, jobId, token);
    try {
      if (effect.kind === 'report') await uploadReport(deps, log, job.data);
      else await writeThreadMessage(deps, log, job, token);
    } catch (err) {
      if (err instanceof DelayedError || isRateLimited(err) || !isLastAttempt(job, err)) throw err;
      await passTurn(deps, queue, projectId, jobId); // failed for good: the rest of the thread goes on
      throw err;
    }
    await passTurn(deps, queue, projectId, jobId);
  } catch (err) {
    if (!isRateLimited(err)) throw err;
    // Slack refused the call outright: nothing reached the thread. Try again after Retry-After, still
    // first in the thread's line, with a new post slot.
    deps.metrics.slackApiErrors.inc({ error: 'ratelimited' });
    log.warn({ retryAfterSeconds: err.retryAfter }, 'slack rate limit: the message waits aside');
    if (effect.kind !== 'ephemeral') await deps.messages.clearPending(projectId, effect.key);
    const { postAt: _released, ...data } = job.data;
    await job.updateData(data);
    await setAside(job, token, Math.max(1, err.retryAfter) * 1000);
  }
}

/** Returns once it is this job's turn in its thread; otherwise sets the job aside (throws DelayedError). */
async function waitForTurn(
  deps: OutboxDeps,
  queue: Queue<OutboxJob>,
  job: Job<OutboxJob>,
  jobId: string,
  token: string | undefined,
): Promise<void> {
  const { projectId } = job.data;
  let first = await deps.order.turn(projectId, jobId);
  while (first !== jobId) {
    // A write that is finished or gone (failed for good, removed by hand) holds nobody back.
    if (!(await isGone(queue, first))) await setAside(job, token, TURN_RECHECK_MS);
    first = (await deps.order.leave(projectId, first)) ?? jobId;
  }
}

/** Leaves the thread's line and wakes the write now first in it. */
async function passTurn(
  deps: OutboxDeps,
  queue: Queue<OutboxJob>,
  projectId: string,
  jobId: string,
): Promise<void> {
  const next = await deps.order.leave(projectId, jobId);
  if (!next) return;
  const waiting = await queue.getJob(next);
  // Only a write waiting aside for its turn is delayed; one already back on the lane needs no wake-up.
  if (waiting && (await waiting.isDelayed())) await waiting.promote().catch(() => undefined);
}

async function isGone(queue: Queue<OutboxJob>, jobId: string): Promise<boolean> {
  const state = await queue.getJobState(jobId);
  return state === 'completed' || state === 'failed' || state === 'unknown';
}

/** Moves the job to the queue's delayed set for `ms` and frees the lane (BullMQ's DelayedError). */
async function setAside(job: Job<OutboxJob>, token: string | undefined, ms: number): Promise<never> {
  await job.moveToDelayed(Date.now() + ms, token);
  throw new DelayedError();
}

/** Whether this failure is the job's last: BullMQ will not try it again. */
function isLastAttempt(job: Job<OutboxJob>, err: unknown): boolean {
  if (err instanceof UnrecoverableError || (err instanceof Error && err.name === 'UnrecoverableError'))
    return true;
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}

function isRateLimited(err: unknown): err is webApi.WebAPIRateLimitedError {
  return (
    typeof err === 'object' &&
    err !== null &&
    'code' in err &&
    err.code === webApi.ErrorCode.RateLimitedError &&
    'retryAfter' in err &&
    typeof err.retryAfter === 'number'
  );
}

async function sendEphemeral(deps: OutboxDeps, log: Logger, data: OutboxJob): Promise<void> {
  const { channelId, threadTs, effect } = data;
  if (effect.kind !== 'ephemeral') return;
  const message = renderMessage(data);
  await sendWithFallback(log, deps.metrics, message, (m) =>
    deps.writer.chat.postEphemeral({ channel: channelId, user: effect.userId, thread_ts: threadTs, ...m }),
  );
}

function renderMessage(data: OutboxJob): RenderedMessage {
  const view = viewSchema.safeParse('view' in data.effect ? data.effect.view : undefined);
  if (!view.success) throw new UnrecoverableError(`outbox job for ${data.effect.key} has an invalid view`);
  return renderView(view.data);
}

async function writeThreadMessage(
  deps: OutboxDeps,
  log: Logger,
  job: Job<OutboxJob>,
  token: string | undefined,
): Promise<void> {
  const { projectId, channelId, threadTs, revision, effect } = job.data;
  if (effect.kind !== 'thread_message') return;
  const message = renderMessage(job.data);
  const send = <T>(call: SlackCall<T>) => sendWithFallback(log, deps.metrics, message, call);

  const reply = isReply(effect);
  const recordPosted = (ts: string, rev: number) =>
    reply
      ? deps.messages.recordReply(projectId, effect.key)
      : deps.messages.record(projectId, effect.key, ts, rev);
  const known = await deps.messages.get(projectId, effect.key);
  if (known.replied) return; // a reply already in the thread
  // A newer version of a message edited in place is queued behind this one: let that one speak.
  if (effect.mode === 'upsert' && known.wanted > revision) return;
  // A previous attempt's answer was lost (crash, network, timeout): find that message instead of posting twice.
  const ts =
    known.ts ??
    (known.pending ? await findPosted(deps.client, channelId, threadTs, projectId, effect.key) : undefined);
  if (ts && (effect.mode === 'post' || known.revision >= revision)) {
    if (!known.ts) await recordPosted(ts, known.revision);
    return; // already shown, or a newer version is
  }
  if (ts) {
    await send((m) => deps.writer.chat.update({ channel: channelId, ts, ...m }));
    await deps.messages.record(projectId, effect.key, ts, revision);
    return;
  }
  await waitForPostSlot(deps, job, token);
  await deps.messages.markPending(projectId, effect.key);
  const posted = await send((m) =>
    deps.writer.chat.postMessage({
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
  if (typeof posted.ts === 'string') await recordPosted(posted.ts, revision);
}

/**
 * Views that are posted once and never edited afterwards (answers to `status`, help, refusals and other
 * notices, memory reports): once out, only a replay of their job needs to know, so they are remembered
 * among the thread's recent replies instead of for the project's life. Gates, the forget prompt and the
 * live status are edited later (their decision, their progress) and keep their ts.
 */
const REPLY_VIEWS: ReadonlySet<View['type']> = new Set<View['type']>(['status', 'notice', 'memory']);

function isReply(effect: Extract<OutboxJob['effect'], { kind: 'thread_message' }>): boolean {
  return effect.mode === 'post' && REPLY_VIEWS.has(effect.view.type);
}

/**
 * Returns once the job's channel post slot has come. The first time, it reserves the next slot in the
 * channel (shared by every replica); a slot in the future sets the job aside until then, keeping the slot.
 */
async function waitForPostSlot(
  deps: OutboxDeps,
  job: Job<OutboxJob>,
  token: string | undefined,
): Promise<void> {
  const { channelId, postAt } = job.data;
  let wait: number;
  if (postAt === undefined) {
    wait = await deps.pacer.reserve(channelId);
    deps.metrics.slackPacingWait.observe(wait / 1000);
    if (wait <= 0) return;
    await job.updateData({ ...job.data, postAt: Date.now() + wait });
  } else {
    wait = postAt - Date.now();
    if (wait <= 0) return;
  }
  await setAside(job, token, wait);
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
    const result = await deps.writer.filesUploadV2({
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
    if (isRateLimited(err)) throw err;
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
    if (isRateLimited(err)) throw err; // counted and handled by the caller
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
