import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { assertNever } from '../domain/assert-never.js';
import type { Effect } from '../domain/effects.js';
import type { OrchestratorEvent } from '../domain/events.js';
import { jobIds, messageKeys, projectIdFor } from '../domain/ids.js';
import type { Project } from '../domain/project.js';
import type { RoleId } from '../domain/roles.js';
import type { AgentMemory } from '../memory/agent-memory/index.js';
import type { KeySpace } from '../memory/keys.js';
import { type LockLease, withProjectLock } from '../memory/project-lock.js';
import type { ProjectStore } from '../memory/project-store.js';
import { agentJobOptions, OUTBOX_JOB_OPTIONS, type OutboxJob, type Queues } from '../memory/queues.js';
import type { SpendLedger } from '../memory/spend-ledger.js';
import type { ThreadMessageStore } from '../memory/thread-messages.js';
import { memoryView } from './memory-view.js';
import { applyEvent, type MachineContext, type MachineSettings } from './run-machine.js';

/** How many applied event ids a project remembers; redeliveries come within minutes, so this is plenty. */
const RECENT_EVENTS = 200;

export interface EngineDeps {
  redis: Redis;
  memory: AgentMemory;
  messages: ThreadMessageStore;
  keys: KeySpace;
  projects: ProjectStore;
  queues: Queues;
  logger: Logger;
  settings: Omit<MachineSettings, 'now'>;
  stageAttempts: number;
  /** Where Raise budget on a workspace hold is recorded. */
  ledger: SpendLedger;
  now?: () => number;
}

export function projectIdOf(event: OrchestratorEvent): string {
  return event.type === 'message'
    ? projectIdFor(event.teamId, event.channelId, event.threadTs)
    : event.projectId;
}

/**
 * Applies one event to its project: under the project's lock, run the state machine, store the new
 * state together with the effects it owes, then carry the effects out. A crash anywhere leaves either
 * the old state, or the new state with effects still owed, which the next event (or a redelivery) flushes.
 */
export async function handleEvent(deps: EngineDeps, event: OrchestratorEvent): Promise<void> {
  const projectId = projectIdOf(event);
  await withProjectLock(deps.redis, deps.keys, projectId, async (lease) => {
    const log = deps.logger.child({ projectId, event: event.type, eventId: event.eventId });
    const current = await deps.projects.get(projectId);
    let owed = await deps.projects.pendingEffects(projectId);
    let project = current;
    if (current?.recentEvents.includes(event.eventId)) {
      log.debug('event already applied');
    } else {
      const now = (deps.now ?? Date.now)();
      const context = await contextFor(deps, current, event);
      const transition = applyEvent(current, event, { ...deps.settings, now }, context);
      if (!transition.project) {
        // No project (a refused request): only replies to the person remain, keyed by the event.
        await replyOutsideProject(deps, event, transition.effects);
        return;
      }
      project = {
        ...transition.project,
        revision: (current?.revision ?? -1) + 1,
        recentEvents: [...(current?.recentEvents ?? []), event.eventId].slice(-RECENT_EVENTS),
      };
      owed = [...owed, ...transition.effects];
      await deps.projects.save(project, owed, lease);
      log.info({ phase: project.phase, effects: transition.effects.length }, 'event applied');
    }
    if (!project || owed.length === 0) return;
    await carryOut(deps, project, owed, lease);
  });
}

/** What the machine cannot read itself: for a message that may open a project, its author's open ones. */
async function contextFor(
  deps: EngineDeps,
  current: Project | undefined,
  event: OrchestratorEvent,
): Promise<MachineContext> {
  if (current || event.type !== 'message' || !event.addressed) return {};
  return { openProjects: await deps.projects.openProjects(event.teamId, event.userId) };
}

/** Ephemeral replies to a message that opened nothing; they go to its thread, recorded nowhere. */
async function replyOutsideProject(
  deps: EngineDeps,
  event: OrchestratorEvent,
  effects: readonly Effect[],
): Promise<void> {
  if (event.type !== 'message') return;
  const projectId = projectIdFor(event.teamId, event.channelId, event.threadTs);
  const replies = effects.flatMap((e) => (e.kind === 'ephemeral' ? [e] : []));
  const coordinates = { id: projectId, channelId: event.channelId, threadTs: event.threadTs, revision: 0 };
  for (const reply of replies) await toOutbox(deps, coordinates, reply);
}

/**
 * Carries out owed effects, then clears them. Every effect is idempotent by its key (job ids, message
 * keys), so a crash part-way just replays them all: queue writes go in one round trip per queue.
 */
async function carryOut(
  deps: EngineDeps,
  project: Project,
  effects: Effect[],
  lease: LockLease,
): Promise<void> {
  const agentJobs = effects.flatMap((e) => (e.kind === 'agent_job' ? [e] : []));
  const slackWrites = effects.flatMap((e) =>
    e.kind === 'thread_message' || e.kind === 'ephemeral' || e.kind === 'report' ? [e] : [],
  );
  if (agentJobs.length > 0) {
    await deps.queues.agents.addBulk(
      agentJobs.map((e) => ({
        name: e.job.kind,
        data: e.job,
        opts: { ...agentJobOptions(deps.stageAttempts), jobId: jobIds.agent(project.id, e.key) },
      })),
    );
  }
  if (slackWrites.length > 0) {
    await deps.queues.outboxFor(project.id).addBulk(slackWrites.map((e) => outboxJob(project, e)));
    const editedInPlace = slackWrites.flatMap((e) =>
      e.kind === 'thread_message' && e.mode === 'upsert' ? [e.key] : [],
    );
    await deps.messages.want(project.id, editedInPlace, project.revision);
  }
  for (const effect of effects) {
    switch (effect.kind) {
      case 'memory_report':
      case 'forget':
        await runMemoryEffect(deps, project, effect);
        break;
      case 'raise_workspace_budget':
        await deps.ledger.raiseWorkspace(effect.teamId, effect.amountUsd, `${project.id}.${effect.key}`);
        break;
      case 'agent_job':
      case 'thread_message':
      case 'ephemeral':
      case 'report':
        break; // queued above
      default:
        assertNever(effect);
    }
  }
  await deps.projects.setPendingEffects(project.id, [], lease);
}

async function runMemoryEffect(
  deps: EngineDeps,
  project: Project,
  effect: Extract<Effect, { kind: 'memory_report' | 'forget' }>,
): Promise<void> {
  switch (effect.kind) {
    case 'memory_report': {
      // What this thread's channel may see, shown to the person who asked and nobody else.
      const where = { teamId: project.teamId, channelId: project.channelId, visibility: project.visibility };
      const memory = await deps.memory.describeRole(where, effect.role as RoleId, {
        history: 5,
        insights: 8,
      });
      await toOutbox(deps, project, {
        kind: 'ephemeral',
        key: effect.key,
        userId: effect.userId,
        view: memoryView(memory),
      });
      return;
    }
    case 'forget': {
      // The project is stored as forgotten already: no queued job of it may start, and a stage still running
      // writes nothing when it ends (the record script checks the phase).
      const unqueued = await removeQueuedAgentJobs(deps.queues.agents, project.id);
      const forgotten = await deps.memory.forgetProject({
        teamId: project.teamId,
        channelId: project.channelId,
        projectId: project.id,
      });
      const keys = effect.deliverables.map((d) => deps.keys.deliverable(project.id, d.stageId, d.attempt));
      const deliverables = keys.length > 0 ? await deps.redis.del(...keys) : 0;
      deps.logger.info(
        { projectId: project.id, by: effect.userId, forgotten, deliverables, unqueued },
        'project forgotten',
      );
      const kept =
        forgotten.insightsUnlinked > 0
          ? ` ${forgotten.insightsUnlinked} insight(s) other projects also reported were kept, without this project's part.`
          : '';
      await toOutbox(deps, project, {
        kind: 'thread_message',
        key: messageKeys.forgetDone(effect.key),
        mode: 'post',
        view: {
          type: 'notice',
          tone: 'info',
          text: `Forgotten: ${deliverables} deliverable(s), ${forgotten.history} task-history entr${forgotten.history === 1 ? 'y' : 'ies'}, ${forgotten.insightsDeleted} insight(s) and ${forgotten.messages} message(s) between agents that came only from this project are deleted.${kept} Messages already in this Slack thread stay; delete them in Slack if you need to.`,
        },
      });
      return;
    }
  }
}

type ThreadCoordinates = Pick<Project, 'id' | 'channelId' | 'threadTs' | 'revision'>;

/**
 * Removes the project's agent jobs that have not started (waiting, delayed for a retry or for the breaker,
 * prioritized, paused) and returns how many. Every agent job id starts with its project's id
 * (`jobIds.agent`), so one read of the unstarted job ids (one script: a consistent snapshot, ids only, as many
 * as the queue's backlog) finds every job of the project, whatever round or attempt it was queued for; the
 * forgotten project no longer says which those were. A running job is locked and stays; its result is
 * thrown away by the record script. A job that starts between the read and its removal finds the project
 * forgotten and is dropped by the worker before any model call.
 */
async function removeQueuedAgentJobs(agents: Queues['agents'], projectId: string): Promise<number> {
  const own = jobIds.agent(projectId, '');
  const ids = await agents.getRanges(['wait', 'delayed', 'prioritized', 'paused'], 0, -1);
  let removed = 0;
  for (const id of ids.filter((i) => i.startsWith(own))) removed += await agents.remove(id);
  return removed;
}

/** One outbox job; its id makes a replayed effect a no-op. */
function outboxJob(project: ThreadCoordinates, effect: OutboxJob['effect']) {
  return {
    name: effect.kind,
    data: {
      projectId: project.id,
      channelId: project.channelId,
      threadTs: project.threadTs,
      revision: project.revision,
      effect,
    } satisfies OutboxJob,
    opts: { ...OUTBOX_JOB_OPTIONS, jobId: jobIds.outbox(project.id, effect.key, project.revision) },
  };
}

async function toOutbox(
  deps: EngineDeps,
  project: ThreadCoordinates,
  effect: OutboxJob['effect'],
): Promise<void> {
  const job = outboxJob(project, effect);
  await deps.queues.outboxFor(project.id).add(job.name, job.data, job.opts);
}
