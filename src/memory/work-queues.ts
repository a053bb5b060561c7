import type { OrchestratorEvent } from '../domain/events.js';
import { jobIds } from '../domain/ids.js';
import type { AgentJob } from '../domain/jobs.js';
import {
  agentJobOptions,
  ORCHESTRATOR_JOB_OPTIONS,
  OUTBOX_JOB_OPTIONS,
  type OutboxJob,
  type Queues,
} from './queues.js';

/** The thread a Slack write goes to, and the project revision its view was rendered from. */
export interface ThreadTarget {
  projectId: string;
  channelId: string;
  threadTs: string;
  revision: number;
}

/**
 * Where the orchestrator's work goes: model work to the agents' queue, Slack writes to the project's
 * outbox lane. Every job id comes from its key (src/domain/ids.ts), so a replayed effect adds nothing.
 */
export class WorkQueues {
  constructor(
    private readonly queues: Queues,
    /** Attempts per model job (STAGE_ATTEMPTS). */
    private readonly agentAttempts: number,
  ) {}

  /** Model work for the agents, in one round trip. */
  async queueAgentJobs(
    projectId: string,
    items: ReadonlyArray<{ key: string; job: AgentJob }>,
  ): Promise<void> {
    if (items.length === 0) return;
    await this.queues.agents.addBulk(
      items.map((item) => ({
        name: item.job.kind,
        data: item.job,
        opts: { ...agentJobOptions(this.agentAttempts), jobId: jobIds.agent(projectId, item.key) },
      })),
    );
  }

  /**
   * Events that come due later (a gate's reminder and expiry): delayed jobs on the orchestrator's queue,
   * each with its event id as job id, so setting the same timer again while it waits adds nothing.
   */
  async queueTimers(timers: ReadonlyArray<{ event: OrchestratorEvent; fireAt: number }>): Promise<void> {
    if (timers.length === 0) return;
    const now = Date.now();
    await this.queues.orchestrator.addBulk(
      timers.map(({ event, fireAt }) => ({
        name: event.type,
        data: event,
        opts: {
          ...ORCHESTRATOR_JOB_OPTIONS,
          jobId: jobIds.event(event.eventId),
          delay: Math.max(0, fireAt - now),
        },
      })),
    );
  }

  /** Drops timers that are still waiting (a gate decided before its reminder or expiry); others are left. */
  async removeTimers(eventIds: readonly string[]): Promise<void> {
    for (const eventId of eventIds) {
      // A timer being applied right now is locked and stays: its own round check makes it do nothing.
      await this.queues.orchestrator.remove(jobIds.event(eventId)).catch(() => 0);
    }
  }

  /** Slack writes for one thread, in one round trip, on the lane that keeps that thread in order. */
  async queueSlackWrites(target: ThreadTarget, effects: ReadonlyArray<OutboxJob['effect']>): Promise<void> {
    if (effects.length === 0) return;
    await this.queues.outboxFor(target.projectId).addBulk(
      effects.map((effect) => ({
        name: effect.kind,
        data: { ...target, effect } satisfies OutboxJob,
        opts: {
          ...OUTBOX_JOB_OPTIONS,
          jobId: jobIds.outbox(target.projectId, effect.key, target.revision),
        },
      })),
    );
  }

  /**
   * Removes the project's agent jobs that have not started (waiting, delayed for a retry or for the breaker,
   * prioritized, paused) and returns how many. Every agent job id starts with its project's id
   * (`jobIds.agent`), so one read of the unstarted job ids (one script: a consistent snapshot, ids only, as
   * many as the queue's backlog) finds every job of the project, whatever round or attempt it was queued
   * for; a forgotten project no longer says which those were. A running job is locked and stays; its result
   * is thrown away by the record script. A job that starts between the read and its removal finds the
   * project forgotten and is dropped by the worker before any model call.
   */
  async removeWaitingAgentJobs(projectId: string): Promise<number> {
    const own = jobIds.agent(projectId, '');
    const ids = await this.queues.agents.getRanges(['wait', 'delayed', 'prioritized', 'paused'], 0, -1);
    let removed = 0;
    for (const id of ids.filter((i) => i.startsWith(own))) removed += await this.queues.agents.remove(id);
    return removed;
  }
}
