import type { Job, Queue } from 'bullmq';
import type { Logger } from 'pino';
import { isActive, type SessionStatus, sessionStatus } from '../../domain/phases.js';
import type { Project } from '../../domain/project.js';
import { statusViewSchema } from '../../domain/views.js';
import type { OutboxJob } from '../../memory/queues.js';
import type { TaskCardStream, TaskCardStreams } from '../../memory/task-card-streams.js';
import {
  changedChunks,
  chunkBytes,
  fitsInStream,
  openingChunks,
  type StreamChunk,
  type TaskCardSnapshot,
  taskCardSnapshot,
} from '../views/task-cards.js';
import type { OutboxDeps } from './deps.js';
import { holdIfUnsupported } from './session-status.js';
import { isRateLimited, platformError } from './slack-errors.js';
import { withLiveProgress } from './stage-progress.js';
import { passTurn, setAside, waitForPostSlot } from './turns.js';

/** Default least time between two updates of one project's task cards (TASK_CARD_INTERVAL_MS). */
export const DEFAULT_TASK_CARD_INTERVAL_MS = 3_000;

/** Slack's answers that the stream message can take no more: the next change starts a new one. */
const STREAM_ENDED_ERRORS: ReadonlySet<string> = new Set([
  'msg_too_long',
  'message_not_in_streaming_state',
  'message_not_found',
  'cant_update_message',
]);

/**
 * Whether this outbox job is the live status and task cards are on: then `writeTaskCards` shows it, and
 * the edited status message is only the fallback.
 */
export function showsAsTaskCards(deps: OutboxDeps, data: OutboxJob): boolean {
  const { effect } = data;
  return (
    deps.features.taskCards === true &&
    deps.taskCardStreams !== undefined &&
    effect.kind === 'thread_message' &&
    effect.mode === 'upsert' &&
    effect.view.type === 'status'
  );
}

/**
 * Shows the live status as Slack's plan and task cards: the first change starts a stream message
 * (chat.startStream, in the channel's post slot), later ones append only the tasks that changed
 * (chat.appendStream), at most one every TASK_CARD_INTERVAL_MS per project: a change that comes sooner
 * waits aside for the rest of the interval (out of the thread's line), and gives way to a newer one
 * queued meanwhile. A stream that
 * would pass its size budget is stopped and continues in a new message with the whole plan; one Slack
 * says is too long or no longer streaming, too. When the run ends the stream stops with the session's
 * status (chat.stopStream would otherwise set it `active`).
 *
 * Resolves false when the workspace does not offer streaming (then, and for an hour, the caller edits
 * the status message as before); true when the status is shown (or needs no write).
 */
export async function writeTaskCards(
  deps: OutboxDeps,
  log: Logger,
  job: Job<OutboxJob>,
  token: string | undefined,
  queue?: Queue<OutboxJob>,
): Promise<boolean> {
  const streams = deps.taskCardStreams;
  const { projectId, channelId, threadTs, revision, effect } = job.data;
  if (!streams || effect.kind !== 'thread_message') return false;
  const view = statusViewSchema.safeParse(effect.view);
  const project = await deps.projects.get(projectId);
  if (!view.success || !project) return false;
  if (await deps.holds.isHeld(project.teamId, 'task-cards')) return false;

  // A newer status is queued behind this one: that one speaks.
  if ((await deps.messages.get(projectId, effect.key)).wanted > revision) return true;
  const stream = await streams.get(projectId);
  if (stream && stream.revision >= revision) return true;

  const intervalMs = deps.features.taskCardIntervalMs ?? DEFAULT_TASK_CARD_INTERVAL_MS;
  const sinceLast = stream?.live ? Date.now() - stream.lastAt : Number.POSITIVE_INFINITY;
  if (sinceLast < intervalMs) {
    // Wait out the interval out of the thread's line: the thread's other messages (a reply to `status`, a
    // gate) go meanwhile; an edit of the stream has no place in their order. Back, it joins the line anew.
    if (queue && job.id) await passTurn(deps, queue, projectId, job.id);
    await setAside(job, token, intervalMs - sinceLast);
  }

  const snapshot = taskCardSnapshot(await withLiveProgress(deps, log, projectId, view.data));
  const ended = !isActive(view.data.phase);
  const context: StreamContext = { deps, log, streams, project, channelId, threadTs, revision, snapshot };

  if (!stream?.live) return startStream(context, job, token, ended);
  const chunks = changedChunks(stream.shown, snapshot);
  if (!fitsInStream(stream.bytes, chunks)) {
    await stopStream(context, stream, []);
    return startStream(context, job, token, ended);
  }
  try {
    if (ended) await stopStream(context, stream, chunks, true);
    else if (chunks.length > 0) {
      await deps.writer.chat.appendStream({ channel: stream.channel, ts: stream.ts, chunks: [...chunks] });
    }
  } catch (err) {
    if (isRateLimited(err)) throw err;
    const error = platformError(err);
    if (!error || !STREAM_ENDED_ERRORS.has(error)) throw err;
    log.info({ slackError: error, ts: stream.ts }, 'the status stream ended; it continues in a new message');
    if (error === 'msg_too_long') await stopStream(context, stream, []).catch(() => undefined);
    return startStream(context, job, token, ended);
  }
  await streams.set(projectId, {
    ...stream,
    live: !ended,
    lastAt: Date.now(),
    bytes: stream.bytes + chunkBytes(chunks),
    revision,
    shown: snapshot,
  });
  return true;
}

interface StreamContext {
  deps: OutboxDeps;
  log: Logger;
  streams: TaskCardStreams;
  project: Project;
  channelId: string;
  threadTs: string;
  revision: number;
  snapshot: TaskCardSnapshot;
}

/** A new stream message with the whole plan; stopped at once when the run has ended. False: not offered here. */
async function startStream(
  ctx: StreamContext,
  job: Job<OutboxJob>,
  token: string | undefined,
  ended: boolean,
): Promise<boolean> {
  const { deps, log, project, channelId, threadTs, snapshot } = ctx;
  await waitForPostSlot(deps, job, token);
  const chunks = openingChunks(snapshot);
  let ts: string;
  try {
    const started = await deps.writer.chat.startStream({
      channel: channelId,
      thread_ts: threadTs,
      recipient_user_id: project.requesterId,
      recipient_team_id: project.teamId,
      task_display_mode: 'plan',
      chunks: [...chunks],
    });
    if (typeof started.ts !== 'string') throw new Error('chat.startStream answered without a ts');
    ts = started.ts;
  } catch (err) {
    if (isRateLimited(err)) throw err;
    deps.metrics.slackApiErrors.inc({ error: platformError(err) ?? 'transport' });
    if (await holdIfUnsupported(deps, log, project.teamId, 'task-cards', err)) return false;
    throw err;
  }
  const stream: TaskCardStream = {
    channel: channelId,
    ts,
    live: true,
    lastAt: Date.now(),
    bytes: chunkBytes(chunks),
    revision: ctx.revision,
    shown: snapshot,
  };
  if (ended) await stopStream(ctx, stream, []);
  await ctx.streams.set(project.id, { ...stream, live: !ended });
  return true;
}

/**
 * Stops the stream with its last chunks, telling Slack the session's status (its default, `active`, would
 * undo the status the sessions keep). A stream Slack already ended needs no stop, unless `strict`.
 */
async function stopStream(
  ctx: StreamContext,
  stream: TaskCardStream,
  chunks: readonly StreamChunk[],
  strict = false,
): Promise<void> {
  const status: SessionStatus = sessionStatus(ctx.project);
  try {
    await ctx.deps.writer.chat.stopStream({
      channel: stream.channel,
      ts: stream.ts,
      session_status: status,
      ...(chunks.length > 0 ? { chunks: [...chunks] } : {}),
    });
  } catch (err) {
    const error = platformError(err);
    if (strict || isRateLimited(err) || !error || !STREAM_ENDED_ERRORS.has(error)) throw err;
    ctx.log.info({ slackError: error, ts: stream.ts }, 'the status stream had already ended');
  }
}
