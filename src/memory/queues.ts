import { type JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Effect } from '../domain/effects.js';
import type { OrchestratorEvent } from '../domain/events.js';
import { jobIds } from '../domain/ids.js';
import type { AgentJob } from '../domain/jobs.js';
import type { KeySpace } from './keys.js';

/** How long a shutdown waits for a BullMQ client that is still connecting before closing it anyway. */
const SETTLE_BEFORE_CLOSE_MS = 2_000;

/** The three queues between processes. Names are part of the key schema (README, "Redis keys"). */
export const QUEUE_NAMES = {
  /** Project events for the orchestrator: Slack input and agents' results. */
  orchestrator: 'orchestrator',
  /** Model work: clarification, stages, the summary. */
  agents: 'agents',
  /**
   * Every Slack write, carried out by the bot process: `slack-outbox-<n>`, one shard per group of projects,
   * each processed one job at a time so a thread reads in order while threads are written in parallel.
   */
  slackOutbox: 'slack-outbox',
  /** Refreshes of people's App Home (views.publish), spaced per person (memory/home-refresh.ts). */
  homeRefresh: 'home-refresh',
} as const;

export function outboxShardName(shard: number): string {
  return `${QUEUE_NAMES.slackOutbox}-${shard}`;
}

/** Which outbox shard carries a project's messages (FNV-1a of its id): always the same one. */
export function outboxShard(projectId: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < projectId.length; i++) {
    hash ^= projectId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shards;
}

export interface OutboxJob {
  projectId: string;
  channelId: string;
  threadTs: string;
  /** Project revision the view was rendered from; older renders of the same key are skipped. */
  revision: number;
  effect: Extract<
    Effect,
    { kind: 'thread_message' | 'ephemeral' | 'report' | 'session_status' | 'run_picture' | 'direct_messages' }
  >;
  /**
   * Set by the outbox, not the sender: when (ms, this job's clock) the channel post slot it reserved comes.
   * A job set aside to wait for its slot keeps it, instead of queueing for a new one when it returns.
   */
  postAt?: number;
}

/** Publish one person's App Home again. */
export interface HomeRefreshJob {
  teamId: string;
  userId: string;
}

export interface Queues {
  orchestrator: Queue<OrchestratorEvent>;
  agents: Queue<AgentJob>;
  /** One queue per outbox shard (`outboxShard`). */
  slackOutbox: Queue<OutboxJob>[];
  outboxFor(projectId: string): Queue<OutboxJob>;
  homeRefresh: Queue<HomeRefreshJob>;
  /** Every queue, for metrics. */
  all(): Queue[];
  close(): Promise<void>;
}

/**
 * Completed jobs are removed at once: what they did is in the project, the thread records and the logs,
 * and nothing relies on them to dedupe (Slack events: memory/dedupe.ts; effects: their keys). Failed jobs
 * are kept a week for inspection, at most 1,000 per queue.
 */
const KEEP: Pick<JobsOptions, 'removeOnComplete' | 'removeOnFail'> = {
  removeOnComplete: true,
  removeOnFail: { age: 7 * 24 * 3600, count: 1000 },
};

export const ORCHESTRATOR_JOB_OPTIONS: JobsOptions = {
  ...KEEP,
  attempts: 10,
  backoff: { type: 'exponential', delay: 500 },
};

export const OUTBOX_JOB_OPTIONS: JobsOptions = {
  ...KEEP,
  attempts: 8,
  backoff: { type: 'exponential', delay: 1000 },
};

/** Backoff is the agents worker's own strategy: exponential with jitter, never sooner than retry-after. */
export function agentJobOptions(attempts: number): JobsOptions {
  return { ...KEEP, attempts, backoff: { type: 'custom' } };
}

/**
 * BullMQ's event stream per queue (`<queue>:events`) is read by nothing here (no QueueEvents); a short tail
 * is enough for an operator's dashboard, instead of BullMQ's default 10,000 events a queue.
 */
const EVENTS_KEPT = 100;

export function createQueues(connection: Redis, keys: KeySpace, outboxShards: number): Queues {
  const opts = { connection, prefix: keys.bull, streams: { events: { maxLen: EVENTS_KEPT } } };
  const orchestrator = new Queue<OrchestratorEvent>(QUEUE_NAMES.orchestrator, opts);
  const agents = new Queue<AgentJob>(QUEUE_NAMES.agents, opts);
  const slackOutbox = Array.from(
    { length: outboxShards },
    (_, i) => new Queue<OutboxJob>(outboxShardName(i), opts),
  );
  const homeRefresh = new Queue<HomeRefreshJob>(QUEUE_NAMES.homeRefresh, opts);
  const all = (): Queue[] => [orchestrator, agents, ...slackOutbox, homeRefresh];
  return {
    orchestrator,
    agents,
    slackOutbox,
    outboxFor: (projectId) => slackOutbox[outboxShard(projectId, outboxShards)] as Queue<OutboxJob>,
    homeRefresh,
    all,
    async close() {
      await Promise.all(all().map((q) => closeBullClient(q)));
    },
  };
}

export async function enqueueEvent(queues: Queues, event: OrchestratorEvent): Promise<void> {
  await queues.orchestrator.add(event.type, event, {
    ...ORCHESTRATOR_JOB_OPTIONS,
    jobId: jobIds.event(event.eventId),
  });
}

/**
 * Closes a BullMQ queue or worker once its connection has finished starting up.
 * Closing one mid-handshake makes BullMQ's own start-up promise reject with nobody listening
 * (taskforcesh/bullmq#3546), which Node treats as an unhandled rejection. The wait is bounded, so
 * a shutdown while Redis is down still finishes.
 */
export async function closeBullClient(client: {
  waitUntilReady(): Promise<unknown>;
  close(): Promise<void>;
}): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, SETTLE_BEFORE_CLOSE_MS);
  });
  await Promise.race([client.waitUntilReady().catch(() => undefined), gaveUp]);
  clearTimeout(timer);
  await client.close();
}
