import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Effect } from '../../src/domain/effects.js';
import type { OrchestratorEvent } from '../../src/domain/events.js';
import type { AgentJob } from '../../src/domain/jobs.js';
import { asTailoredPlan, defaultPlan } from '../../src/domain/plan.js';
import type { Project } from '../../src/domain/project.js';
import { defaultRequirements } from '../../src/domain/requirements.js';
import type { OutboxJob } from '../../src/memory/queues.js';
import type { ThreadTarget } from '../../src/memory/work-queues.js';
import { type EngineDeps, handleEvent } from '../../src/orchestrator/engine.js';

/**
 * The engine against in-memory stand-ins of its ports (as Vercel's Chat SDK tests its core against a
 * memory state adapter): load under the lock, apply, store the project with the effects it owes, carry
 * them out, and clear them. The end-to-end tests run the same engine on Redis and BullMQ.
 */

interface World {
  deps: EngineDeps;
  projects: Map<string, Project>;
  owed: Map<string, Effect[]>;
  agentJobs: Array<{ projectId: string; key: string; job: AgentJob }>;
  slackWrites: Array<{ target: ThreadTarget; effect: OutboxJob['effect'] }>;
  raises: string[];
  /** Audit entries written, by key (a key written again is skipped, as the append script does). */
  audit: Map<string, unknown>;
  removedDeliverables: number;
  /** When set, the next queueAgentJobs call throws (a crash between storing and carrying out). */
  failNextAgentQueue: boolean;
}

function world(): World {
  const w: World = {
    projects: new Map(),
    owed: new Map(),
    agentJobs: [],
    slackWrites: [],
    raises: [],
    audit: new Map(),
    removedDeliverables: 0,
    failNextAgentQueue: false,
    deps: undefined as unknown as EngineDeps,
  };
  const lease = { key: 'lock', token: 't' };
  w.deps = {
    locks: { withLock: (_id, fn) => fn(lease) },
    projects: {
      get: async (id) => structuredClone(w.projects.get(id)),
      pendingEffects: async (id) => structuredClone(w.owed.get(id) ?? []),
      save: async (project, effects) => {
        w.projects.set(project.id, structuredClone(project));
        w.owed.set(project.id, structuredClone([...effects]));
      },
      setPendingEffects: async (id, effects) => {
        w.owed.set(id, [...effects]);
      },
      openProjects: async (teamId, userId) =>
        [...w.projects.values()].filter((p) => p.teamId === teamId && p.requesterId === userId),
    },
    work: {
      queueAgentJobs: async (projectId, items) => {
        if (w.failNextAgentQueue) {
          w.failNextAgentQueue = false;
          throw new Error('queue unreachable');
        }
        // A job id already queued is the same job (BullMQ), so a replay adds nothing.
        for (const item of items)
          if (!w.agentJobs.some((j) => j.projectId === projectId && j.key === item.key))
            w.agentJobs.push({ projectId, ...item });
      },
      queueSlackWrites: async (target, effects) => {
        for (const effect of effects) w.slackWrites.push({ target, effect });
      },
      queueTimers: async () => undefined,
      removeTimers: async () => undefined,
      removeWaitingAgentJobs: async (projectId) => {
        const before = w.agentJobs.length;
        w.agentJobs = w.agentJobs.filter((j) => j.projectId !== projectId);
        return before - w.agentJobs.length;
      },
    },
    messages: { want: async () => undefined },
    memory: {
      describeRole: async (where, role) => ({
        teamId: where.teamId,
        role,
        counts: {
          history: 0,
          insights: 0,
          unreadMessages: 0,
          outcomes: { success: 0, partial: 0, failure: 0 },
        },
        recentHistory: [],
        topInsights: [],
        collaborators: [],
        unreadMessages: [],
        scopes: [],
        corrupt: 0,
      }),
      forgetProject: async () => ({
        records: 1,
        history: 1,
        insightsDeleted: 2,
        insightsUnlinked: 0,
        messages: 0,
        collaborations: 0,
        corrupt: 0,
      }),
    },
    deliverables: {
      remove: async (_id, attempts) => {
        w.removedDeliverables += attempts.length;
        return attempts.length;
      },
    },
    ledger: {
      raiseWorkspace: async (_team, _usd, raiseId) => {
        w.raises.push(raiseId);
      },
    },
    audit: {
      append: async (_id, key, entry) => {
        if (w.audit.has(key)) return false;
        w.audit.set(key, entry);
        return true;
      },
      latest: async () => ({ entries: [], total: 0 }),
    },
    logger: pino({ level: 'silent' }),
    settings: { approverIds: [], clarifyMaxRounds: 3, projectConcurrency: 3 },
    now: () => 1_000,
  } satisfies EngineDeps;
  return w;
}

let seq = 0;
const mention = (text: string, user = 'UREQ'): OrchestratorEvent => ({
  type: 'message',
  eventId: `Ev${++seq}`,
  teamId: 'T1',
  channelId: 'C1',
  threadTs: '100.1',
  ts: `100.${seq}`,
  userId: user,
  text,
  addressed: true,
});
const projectId = 'T1-C1-100.1';

describe('engine (against in-memory ports)', () => {
  it('opens a project, stores it with the work it owes, queues that work, then owes nothing', async () => {
    const w = world();
    await handleEvent(w.deps, mention('<@UBOT> build a churn model'));
    expect(w.projects.get(projectId)?.phase).toBe('clarifying');
    expect(w.agentJobs.map((j) => j.key)).toEqual(['clarify.1']);
    // The welcome, and the thread's agent session, processing while the model clarifies.
    expect(w.slackWrites.map((s) => s.effect.key)).toEqual(['welcome', 'session.r0']);
    expect(w.slackWrites[1]?.effect).toMatchObject({ kind: 'session_status', status: 'processing' });
    expect(w.owed.get(projectId)).toEqual([]);
  });

  it("owes a session status only when the project's changes change it", async () => {
    const w = world();
    await handleEvent(w.deps, mention('<@UBOT> build a churn model'));
    // A `status` in the thread changes nothing about the session.
    await handleEvent(w.deps, { ...mention('status'), eventId: 'EvStatus' });
    expect(w.slackWrites.filter((s) => s.effect.kind === 'session_status')).toHaveLength(1);
  });

  it('applies a redelivered event once', async () => {
    const w = world();
    const event = mention('<@UBOT> build a churn model');
    await handleEvent(w.deps, event);
    const revision = w.projects.get(projectId)?.revision;
    await handleEvent(w.deps, event);
    expect(w.projects.get(projectId)?.revision).toBe(revision);
    expect(w.slackWrites.map((s) => s.effect.kind)).toEqual(['thread_message', 'session_status']);
  });

  it('keeps the effects a crash left undone, and carries them out with the next event', async () => {
    const w = world();
    w.failNextAgentQueue = true;
    await expect(handleEvent(w.deps, mention('<@UBOT> build a churn model'))).rejects.toThrow(
      'queue unreachable',
    );
    // The project was stored with the work it owes; nothing was queued.
    expect(w.projects.get(projectId)?.phase).toBe('clarifying');
    expect(w.owed.get(projectId)?.map((e) => e.kind)).toEqual([
      'thread_message',
      'agent_job',
      'session_status',
    ]);
    expect(w.agentJobs).toEqual([]);
    // Slack redelivers the mention: already applied, but what it owes is carried out now.
    await handleEvent(w.deps, { ...mention('x'), eventId: `Ev${seq - 1}` });
    expect(w.agentJobs.map((j) => j.key)).toEqual(['clarify.1']);
    expect(w.owed.get(projectId)).toEqual([]);
  });

  it('answers a refused request privately, in its thread, and stores nothing', async () => {
    const w = world();
    await handleEvent(w.deps, mention('status'));
    expect(w.projects.size).toBe(0);
    expect(w.slackWrites).toHaveLength(1);
    expect(w.slackWrites[0]?.effect.kind).toBe('ephemeral');
    expect(w.slackWrites[0]?.target).toEqual({ projectId, channelId: 'C1', threadTs: '100.1', revision: 0 });
  });

  it('forgets: removes the queued work and the deliverables, and says what went', async () => {
    const w = world();
    await handleEvent(w.deps, mention('<@UBOT> build a churn model'));
    const opened = w.projects.get(projectId) as Project;
    const requirements = defaultRequirements('churn');
    await handleEvent(w.deps, {
      type: 'clarify_done',
      eventId: 'c1',
      projectId,
      round: 1,
      output: { ready: true, questions: [], requirements, assumptions: [] },
      usage: {
        inputTokens: 0,
        outputTokens: 0,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        calls: 0,
        costUsd: 0,
      },
    });
    await handleEvent(w.deps, {
      type: 'plan_done',
      eventId: 'p1',
      projectId,
      round: 1,
      output: asTailoredPlan(defaultPlan(requirements), 'kept'),
      usage: {
        inputTokens: 0,
        outputTokens: 0,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        calls: 0,
        costUsd: 0,
      },
    });
    expect(w.agentJobs.some((j) => j.key === 'stage.phase1.data-engineer.1')).toBe(true);
    await handleEvent(w.deps, {
      ...(mention('forget') as Extract<OrchestratorEvent, { type: 'message' }>),
      addressed: false,
    });
    const confirm = w.slackWrites.find(
      (s) => s.effect.kind === 'thread_message' && s.effect.view.type === 'forget_confirm',
    );
    const confirmKey = confirm?.effect.key ?? '';
    await handleEvent(w.deps, {
      type: 'forget_decision',
      eventId: 'f1',
      projectId,
      confirmKey,
      verdict: 'forget',
      userId: opened.requesterId,
      origin: { teamId: 'T1', channelId: 'C1', threadTs: '100.1' },
    });
    expect(w.projects.get(projectId)?.phase).toBe('forgotten');
    expect(w.agentJobs).toEqual([]);
    expect(w.removedDeliverables).toBe(7);
    const done = w.slackWrites.at(-1)?.effect;
    expect(done?.kind === 'thread_message' && done.view.type === 'notice' ? done.view.text : '').toMatch(
      /^Forgotten: 7 deliverable\(s\), 1 task-history entry, 2 insight\(s\)/,
    );
  });
});
