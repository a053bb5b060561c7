import type { Logger } from 'pino';
import { gateTimerEvent } from '../domain/approval.js';
import { assertNever } from '../domain/assert-never.js';
import { AUDIT_LIST_LATEST } from '../domain/audit.js';
import type { Effect } from '../domain/effects.js';
import type { OrchestratorEvent } from '../domain/events.js';
import { messageKeys, projectIdFor, raiseId } from '../domain/ids.js';
import { isActive, sessionStatus } from '../domain/phases.js';
import type { Project } from '../domain/project.js';
import type { RoleId } from '../domain/roles.js';
import { say } from '../domain/texts.js';
import type { AgentMemory } from '../memory/agent-memory/index.js';
import type { AuditLog } from '../memory/audit-log.js';
import type { DeliverableStore } from '../memory/deliverables.js';
import type { LockLease } from '../memory/project-lock.js';
import type { ProjectStore } from '../memory/project-store.js';
import type { SpendLedger } from '../memory/spend-ledger.js';
import type { ThreadMessageStore } from '../memory/thread-messages.js';
import type { ThreadTarget, WorkQueues } from '../memory/work-queues.js';
import { memoryView } from './memory-view.js';
import { applyEvent, type MachineContext, type MachineSettings } from './run-machine.js';

/** How many applied event ids a project remembers; redeliveries come within minutes, so this is plenty. */
const RECENT_EVENTS = 200;

/** Mutual exclusion per project: one event of a project at a time, across every worker process. */
export interface ProjectLocks {
  withLock<T>(projectId: string, fn: (lease: LockLease) => Promise<T>): Promise<T>;
}

/**
 * What the engine needs of the world, each as narrow as it uses it, so the core runs against in-memory
 * stand-ins in unit tests and against Redis and BullMQ in production (src/app/system.ts wires those).
 */
export interface EngineDeps {
  locks: ProjectLocks;
  projects: Pick<ProjectStore, 'get' | 'pendingEffects' | 'save' | 'setPendingEffects' | 'openProjects'>;
  work: Pick<
    WorkQueues,
    'queueAgentJobs' | 'queueSlackWrites' | 'removeWaitingAgentJobs' | 'queueTimers' | 'removeTimers'
  >;
  messages: Pick<ThreadMessageStore, 'want'>;
  memory: Pick<AgentMemory, 'describeRole' | 'forgetProject'>;
  deliverables: Pick<DeliverableStore, 'remove'>;
  /**
   * Tells the agents at once that a project's run was cancelled (or forgotten), so the model calls in flight
   * for it are aborted; best effort (a lost word only means a result that is thrown away when it comes).
   */
  cancels?: { announce(projectId: string): Promise<void> };
  /** Where Raise budget on a workspace hold is recorded. */
  ledger: Pick<SpendLedger, 'raiseWorkspace'>;
  /** The projects' audit trails: `audit` effects are written here, `audit` reads them back. */
  audit: Pick<AuditLog, 'append' | 'latest'>;
  logger: Logger;
  settings: Omit<MachineSettings, 'now'>;
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
  await deps.locks.withLock(projectId, async (lease) => {
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
      owed = [...owed, ...transition.effects, ...sessionEffects(current, project)];
      await deps.projects.save(project, owed, lease);
      log.info({ phase: project.phase, effects: transition.effects.length }, 'event applied');
      if (
        current &&
        isActive(current.phase) &&
        (project.phase === 'cancelled' || project.phase === 'forgotten')
      )
        await deps.cancels
          ?.announce(project.id)
          .catch((err: unknown) => log.warn({ err }, 'could not announce the cancel to the agents'));
    }
    if (!project || owed.length === 0) return;
    await carryOut(deps, project, owed, lease);
  });
}

/** Longest session title Slack takes (agents.sessions.setStatus `title`). */
const SESSION_TITLE_MAX = 200;

/**
 * The thread's agent session status when a change of the project changes it (a new project always has
 * one). Keyed by the revision that changed it, so a replay sets it once and a later change is a new write.
 */
function sessionEffects(current: Project | undefined, project: Project): Effect[] {
  const status = sessionStatus(project);
  if (current && sessionStatus(current) === status) return [];
  const firstLine = project.request.split('\n')[0]?.trim() || 'Pipewright project';
  const title =
    firstLine.length > SESSION_TITLE_MAX ? `${firstLine.slice(0, SESSION_TITLE_MAX - 1)}…` : firstLine;
  return [
    {
      kind: 'session_status',
      key: `session.r${project.revision}`,
      teamId: project.teamId,
      status,
      title,
      initiatorUserId: project.requesterId,
    },
  ];
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
  const target: ThreadTarget = {
    projectId: projectIdFor(event.teamId, event.channelId, event.threadTs),
    channelId: event.channelId,
    threadTs: event.threadTs,
    revision: 0,
  };
  await deps.work.queueSlackWrites(
    target,
    effects.flatMap((e) => (e.kind === 'ephemeral' ? [e] : [])),
  );
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
    e.kind === 'thread_message' ||
    e.kind === 'ephemeral' ||
    e.kind === 'report' ||
    e.kind === 'session_status' ||
    e.kind === 'run_picture' ||
    e.kind === 'direct_messages'
      ? [e]
      : [],
  );
  await deps.work.queueAgentJobs(project.id, agentJobs);
  await deps.work.queueTimers(
    effects.flatMap((e) =>
      e.kind === 'gate_timer' ? [{ event: gateTimerEvent(project.id, e), fireAt: e.fireAt }] : [],
    ),
  );
  await deps.work.removeTimers(
    effects.flatMap((e) =>
      e.kind === 'cancel_gate_timers'
        ? (['reminder', 'expiry'] as const).map(
            (timer) => gateTimerEvent(project.id, { ...e, timer }).eventId,
          )
        : [],
    ),
  );
  if (slackWrites.length > 0) {
    await deps.work.queueSlackWrites(targetOf(project), slackWrites);
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
        await deps.ledger.raiseWorkspace(effect.teamId, effect.amountUsd, raiseId(project.id, effect.key));
        break;
      case 'audit':
        // Here, where the event was applied once (its id joins recentEvents in the same save), and not in
        // the listener, which sees Slack's redeliveries and clicks that are then refused. A replay of owed
        // effects finds the entry's key already written (audit-append.lua).
        await deps.audit.append(project.id, effect.key, effect.entry);
        break;
      case 'audit_report': {
        const page = await deps.audit.latest(project.id, AUDIT_LIST_LATEST);
        await deps.work.queueSlackWrites(targetOf(project), [
          {
            kind: 'thread_message',
            key: effect.key,
            mode: 'post',
            view: { type: 'audit', entries: page.entries, total: page.total },
          },
        ]);
        break;
      }
      case 'agent_job':
      case 'gate_timer':
      case 'cancel_gate_timers':
      case 'direct_messages':
      case 'thread_message':
      case 'ephemeral':
      case 'report':
      case 'session_status':
      case 'run_picture':
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
      await deps.work.queueSlackWrites(targetOf(project), [
        {
          kind: 'ephemeral',
          key: effect.key,
          userId: effect.userId,
          view: memoryView(memory),
        },
      ]);
      return;
    }
    case 'forget': {
      // The project is stored as forgotten already: no queued job of it may start, and a stage still running
      // writes nothing when it ends (the record script checks the phase).
      const unqueued = await deps.work.removeWaitingAgentJobs(project.id);
      const forgotten = await deps.memory.forgetProject({
        teamId: project.teamId,
        channelId: project.channelId,
        projectId: project.id,
      });
      const deliverables = await deps.deliverables.remove(project.id, effect.deliverables);
      deps.logger.info(
        { projectId: project.id, by: effect.userId, forgotten, deliverables, unqueued },
        'project forgotten',
      );
      await deps.work.queueSlackWrites(targetOf(project), [
        {
          kind: 'thread_message',
          key: messageKeys.forgetDone(effect.key),
          mode: 'post',
          view: { type: 'notice', tone: 'info', text: say.forgetDone({ deliverables, ...forgotten }) },
        },
      ]);
      return;
    }
  }
}

/** Where a project's Slack writes go, rendered from its current revision. */
function targetOf(project: Project): ThreadTarget {
  return {
    projectId: project.id,
    channelId: project.channelId,
    threadTs: project.threadTs,
    revision: project.revision,
  };
}
