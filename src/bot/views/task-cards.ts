import { assertNever } from '../../domain/assert-never.js';
import type { StageState } from '../../domain/project.js';
import type { StageLine, StatusView } from '../../domain/views.js';
import { reviewLine } from './review.js';
import { PHASE_LABEL, progressText } from './run.js';

/**
 * The live status as Slack's plan and task cards (chat.startStream / appendStream / stopStream chunks):
 * the plan's title says the run's phase, and each stage is one task with its state, elapsed time and
 * one-line output. Pure: the outbox (outbox/task-cards.ts) decides when and where to send them.
 */

export type TaskStatus = 'pending' | 'in_progress' | 'complete' | 'error';

/** A `task_update` chunk, as Slack takes it. */
export interface TaskUpdate {
  type: 'task_update';
  id: string;
  title: string;
  status: TaskStatus;
  details?: string;
  output?: string;
}

/** A `plan_update` chunk: the plan's title. */
export interface PlanUpdate {
  type: 'plan_update';
  title: string;
}

export type StreamChunk = PlanUpdate | TaskUpdate;

/** Everything the stream shows: the plan title and one task per stage, in plan order. */
export interface TaskCardSnapshot {
  title: string;
  tasks: TaskUpdate[];
}

/** Slack's limit on a task's `details` and `output`, and on a plan title (characters). */
export const TASK_FIELD_MAX = 256;

export function taskStatusOf(state: StageState): TaskStatus {
  switch (state) {
    case 'pending':
    case 'awaiting_approval':
    case 'queued':
      return 'pending';
    case 'running':
      return 'in_progress';
    case 'done':
    case 'skipped':
      return 'complete';
    case 'failed':
    case 'rejected':
    case 'cancelled':
      return 'error';
    default:
      return assertNever(state);
  }
}

/** "42s", "3m 05s", "1h 02m". */
export function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** "09:41:07 UTC": when a running stage started (a stream is not redrawn every second, so no live count). */
function clockUtc(ms: number): string {
  return `${new Date(ms).toISOString().slice(11, 19)} UTC`;
}

const STATE_WORDS: Record<StageState, string> = {
  pending: 'waiting for its inputs',
  awaiting_approval: 'awaiting approval',
  queued: 'queued',
  running: 'running',
  done: 'done',
  failed: 'failed',
  rejected: 'rejected',
  cancelled: 'cancelled',
  skipped: 'skipped',
};

/** The state in words, with how long it took (finished) or since when it runs, and how far it is. */
export function stageDetails(stage: StageLine): string {
  const word = STATE_WORDS[stage.state];
  const { startedAt, finishedAt } = stage;
  if (startedAt !== undefined && finishedAt !== undefined && finishedAt >= startedAt) {
    const reviewed = reviewLine(stage.review, stage.files);
    return `${word} in ${formatElapsed(finishedAt - startedAt)}${reviewed ? ` · ${reviewed}` : ''}`;
  }
  const progress = stage.state === 'running' && stage.progress ? ` · ${progressText(stage.progress)}` : '';
  if (stage.state === 'running' && startedAt !== undefined)
    return `${word} since ${clockUtc(startedAt)}${progress}`;
  return `${word}${progress}`;
}

function clip(text: string, max = TASK_FIELD_MAX): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

export function taskOf(stage: StageLine): TaskUpdate {
  const note = stage.error ?? stage.summary;
  const output = note ? clip(note) : '';
  return {
    type: 'task_update',
    id: stage.id,
    // A stage id names its role already (`phase1.data-engineer`); the role is added when it does not.
    title: clip(
      `${stage.id.endsWith(`.${stage.role}`) ? stage.id : `${stage.id} · ${stage.role}`}${stage.needsApproval ? ' (needs approval)' : ''}`,
    ),
    status: taskStatusOf(stage.state),
    details: clip(stageDetails(stage)),
    ...(output ? { output } : {}),
  };
}

export function taskCardSnapshot(view: StatusView): TaskCardSnapshot {
  return {
    title: clip(`Status: ${PHASE_LABEL[view.phase]}`),
    tasks: view.stages.map(taskOf),
  };
}

/** The chunks that show `next` where `shown` is on screen: a new title, and the tasks that changed. */
export function changedChunks(shown: TaskCardSnapshot | undefined, next: TaskCardSnapshot): StreamChunk[] {
  if (!shown) return allChunks(next);
  const before = new Map(shown.tasks.map((t) => [t.id, t]));
  const chunks: StreamChunk[] = [];
  if (shown.title !== next.title) chunks.push({ type: 'plan_update', title: next.title });
  for (const task of next.tasks) {
    const was = before.get(task.id);
    if (!was || !sameTask(was, task)) chunks.push(task);
  }
  return chunks;
}

export function allChunks(snapshot: TaskCardSnapshot): StreamChunk[] {
  return [{ type: 'plan_update', title: snapshot.title }, ...snapshot.tasks];
}

function sameTask(a: TaskUpdate, b: TaskUpdate): boolean {
  return a.title === b.title && a.status === b.status && a.details === b.details && a.output === b.output;
}

/** UTF-8 bytes the chunks add to a streamed message: what Slack's size cap counts (text, titles, details, outputs). */
export function chunkBytes(chunks: readonly StreamChunk[]): number {
  const bytes = (s: string | undefined) => (s ? Buffer.byteLength(s, 'utf8') : 0);
  return chunks.reduce(
    (sum, c) => sum + bytes(c.title) + (c.type === 'task_update' ? bytes(c.details) + bytes(c.output) : 0),
    0,
  );
}

/**
 * What one streamed message may take before the next change goes to a new one. Slack refuses a stream
 * past about 10,600 bytes (`msg_too_long`); every append is counted in full, which errs on the safe side.
 */
export const STREAM_BYTE_BUDGET = 9_000;

/**
 * The whole plan for a new stream message, within half the budget so the message has room for the
 * changes that follow (else every change would start another message): outputs are shortened, then
 * left out, then details, until it fits. The next change of a task sends it in full again.
 */
export function openingChunks(snapshot: TaskCardSnapshot, budget = STREAM_BYTE_BUDGET): StreamChunk[] {
  const room = Math.floor(budget / 2);
  const tries: Array<(t: TaskUpdate) => TaskUpdate> = [
    (t) => t,
    (t) => withOptional(t, t.details, t.output === undefined ? undefined : clip(t.output, 80)),
    (t) => withOptional(t, t.details, undefined),
    (t) => withOptional(t, undefined, undefined),
  ];
  let chunks: StreamChunk[] = allChunks(snapshot);
  for (const shorten of tries) {
    chunks = [{ type: 'plan_update', title: snapshot.title }, ...snapshot.tasks.map(shorten)];
    if (chunkBytes(chunks) <= room) break;
  }
  return chunks;
}

function withOptional(task: TaskUpdate, details: string | undefined, output: string | undefined): TaskUpdate {
  const { details: _d, output: _o, ...rest } = task;
  return { ...rest, ...(details ? { details } : {}), ...(output ? { output } : {}) };
}

/** Whether `chunks` still fit in the stream that has taken `sentBytes` so far. */
export function fitsInStream(
  sentBytes: number,
  chunks: readonly StreamChunk[],
  budget = STREAM_BYTE_BUDGET,
): boolean {
  return sentBytes + chunkBytes(chunks) <= budget;
}
