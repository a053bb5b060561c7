import { DelayedError, type Job, type Queue } from 'bullmq';
import type { OutboxJob } from '../../memory/queues.js';
import type { OutboxDeps } from './deps.js';

/**
 * How long a write waits aside for its thread's turn before it looks again. The write ahead of it wakes it
 * as soon as it is done; this is only the fallback for when that wake-up is lost (a crash in between).
 */
const TURN_RECHECK_MS = 15_000;

/** Returns once it is this job's turn in its thread; otherwise sets the job aside (throws DelayedError). */
export async function waitForTurn(
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
export async function passTurn(
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

/**
 * Returns once the job's channel post slot has come. The first time, it reserves the next slot in the
 * channel (shared by every replica); a slot in the future sets the job aside until then, keeping the slot.
 */
export async function waitForPostSlot(
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

/** Moves the job to the queue's delayed set for `ms` and frees the lane (BullMQ's DelayedError). */
export async function setAside(job: Job<OutboxJob>, token: string | undefined, ms: number): Promise<never> {
  await job.moveToDelayed(Date.now() + ms, token);
  throw new DelayedError();
}
