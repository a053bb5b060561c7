import { DelayedError, type Job, type Queue, UnrecoverableError, Worker } from 'bullmq';
import { assertNever } from '../../domain/assert-never.js';
import type { OutboxJob, Queues } from '../../memory/queues.js';
import type { OutboxDeps } from './deps.js';
import { sendDirectMessages } from './direct-messages.js';
import { uploadRunPicture } from './picture.js';
import { uploadReport } from './report.js';
import { setSessionStatus } from './session-status.js';
import { isRateLimited } from './slack-errors.js';
import { sendEphemeral, writeThreadMessage } from './thread-message.js';
import { passTurn, setAside, waitForTurn } from './turns.js';

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
      switch (effect.kind) {
        case 'report':
          await uploadReport(deps, log, job.data);
          break;
        case 'run_picture':
          await uploadRunPicture(deps, log, job.data);
          break;
        case 'thread_message':
          await writeThreadMessage(deps, log, job, token, queue);
          break;
        case 'session_status':
          await setSessionStatus(deps, log, job.data);
          break;
        case 'direct_messages':
          await sendDirectMessages(deps, log, job.data);
          break;
        default:
          assertNever(effect);
      }
    } catch (err) {
      if (err instanceof DelayedError || isRateLimited(err) || !isLastAttempt(job, err)) throw err;
      await passTurn(deps, queue, projectId, jobId); // failed for good: the rest of the thread goes on
      throw err;
    }
    await passTurn(deps, queue, projectId, jobId);
    // The thread shows a change (state, progress, a question, a gate): so should App Home. Not awaited:
    // the lane goes on to the next write; the request is a look-up and a marker (memory/home-refresh.ts).
    deps
      .onThreadWritten?.(projectId)
      .catch((err: unknown) => log.warn({ err }, 'could not ask for an App Home refresh'));
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

/** Whether this failure is the job's last: BullMQ will not try it again. */
function isLastAttempt(job: Job<OutboxJob>, err: unknown): boolean {
  if (err instanceof UnrecoverableError || (err instanceof Error && err.name === 'UnrecoverableError'))
    return true;
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}
