import { DelayedError, type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { PipewrightError } from '../domain/errors.js';
import { type OrchestratorEvent, orchestratorEventSchema } from '../domain/events.js';
import { reportIncident } from '../memory/incidents.js';
import type { KeySpace } from '../memory/keys.js';
import { LockLostError, ProjectBusyError } from '../memory/project-lock.js';
import { QUEUE_NAMES, type Queues } from '../memory/queues.js';
import { type EngineDeps, handleEvent, projectIdOf } from './engine.js';

/** How long an event waits before trying a busy project again (plus up to as much jitter): a step takes ms. */
const BUSY_RETRY_MS = 20;

/** Consumes project events. Events of one project are applied one at a time (project lock); others in parallel. */
export function startOrchestratorWorker(
  deps: EngineDeps & {
    connection: Redis;
    keys: KeySpace;
    /** Where a step that failed for good is told to its thread (memory/incidents.ts). */
    queues: Queues;
    concurrency: number;
    lockMs: number;
  },
): Worker<OrchestratorEvent> {
  const worker = new Worker<OrchestratorEvent>(
    QUEUE_NAMES.orchestrator,
    (job, token) => processEvent(deps, deps.logger, job, token),
    {
      connection: deps.connection,
      prefix: deps.keys.bull,
      concurrency: deps.concurrency,
      lockDuration: deps.lockMs,
      stalledInterval: deps.lockMs,
    },
  );
  worker.on('error', (err) => deps.logger.error({ err }, 'orchestrator worker error'));
  worker.on('failed', (job, err) => {
    deps.logger.error({ err, jobId: job?.id, attempts: job?.attemptsMade }, 'orchestrator event failed');
    const final =
      err instanceof UnrecoverableError ||
      (job !== undefined && job.attemptsMade >= (job.opts.attempts ?? 1));
    if (!job || !final) return;
    const projectId = projectIdOf(job.data);
    reportIncident(
      deps.queues,
      projectId,
      String(job.id),
      `I could not apply a step to this project (${describe(err)}). Nothing was changed; an operator can find the details in the logs under project ${projectId}.`,
    ).catch((e: unknown) =>
      deps.logger.error({ err: e, projectId }, 'could not report the failure in the thread'),
    );
  });
  return worker;
}

async function processEvent(
  deps: EngineDeps,
  logger: Logger,
  job: Job<OrchestratorEvent>,
  token: string | undefined,
): Promise<void> {
  const parsed = orchestratorEventSchema.safeParse(job.data);
  if (!parsed.success) {
    logger.error({ jobId: job.id, issues: parsed.error.issues }, 'dropping malformed orchestrator event');
    return;
  }
  try {
    await handleEvent(deps, parsed.data);
  } catch (err) {
    if (err instanceof ProjectBusyError || err instanceof LockLostError) {
      // Another step holds this project: come back shortly without spending an attempt.
      await job.moveToDelayed(Date.now() + BUSY_RETRY_MS + Math.floor(Math.random() * BUSY_RETRY_MS), token);
      throw new DelayedError();
    }
    // Retrying cannot fix a corrupt record or a broken invariant: fail now, so the thread hears at once.
    if (err instanceof PipewrightError && !err.retryable) throw new UnrecoverableError(err.message);
    throw err;
  }
}

function describe(err: Error): string {
  return err.message.length > 200 ? `${err.message.slice(0, 200)}…` : err.message;
}
