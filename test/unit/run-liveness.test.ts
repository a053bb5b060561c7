import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { doneEventId, failedEventId } from '../../src/agents/jobs/table.js';
import { gateTimerEvent } from '../../src/domain/approval.js';
import type { Effect } from '../../src/domain/effects.js';
import type { OrchestratorEvent } from '../../src/domain/events.js';
import { agentJobKey, eventIds, jobIds } from '../../src/domain/ids.js';
import type { AgentJob } from '../../src/domain/jobs.js';
import { staleReason } from '../../src/domain/phases.js';
import { asTailoredPlan, defaultPlan, type TailoredPlan } from '../../src/domain/plan.js';
import type { Project } from '../../src/domain/project.js';
import { defaultRequirements } from '../../src/domain/requirements.js';
import { ZERO_USAGE } from '../../src/domain/usage.js';
import type { View } from '../../src/domain/views.js';
import { applyEvent, type MachineSettings } from '../../src/orchestrator/run-machine.js';
import { summaryAnswer } from '../support/summaries.js';

/**
 * Liveness of a run, as a property: whatever people click and type and however the agents' jobs end, in
 * whatever order their results arrive, a run is never left waiting with nothing that can move it. After
 * every step one of these holds:
 * - a model job that the worker would run (not stale) is queued;
 * - a person is asked something: a gate message showing live buttons, or questions waiting for an answer;
 * - the run is terminal, and if it can be resumed, `resume` gets it moving again.
 *
 * The world around the pure state machine is simulated as the real parts behave: the engine skips events
 * it has applied (recent event ids), BullMQ drops a job whose id it has seen, the agents worker drops a
 * stale job and reports results with the worker's own event ids, and the outbox posts a message key once
 * and edits `upsert` keys in place. A gate's reminder and expiry wait as timers (BullMQ delayed jobs) until
 * the sequence fires them, in any order and at any time; a closed gate's timers are dropped.
 */

const REQUESTER = 'UREQ';
const APPROVER = 'UAPP';
const APPROVER2 = 'UAPP2';
const STRANGER = 'USTRANGER';

interface World {
  project: Project | undefined;
  settings: MachineSettings;
  /** Agent jobs handed to the queue and not run yet, by job id. */
  jobs: Map<string, { job: AgentJob; started: boolean }>;
  /** Every job id ever added: BullMQ keeps finished jobs a while, so adding the same id again does nothing. */
  jobIdsSeen: Set<string>;
  /** Results reported by the worker, not yet applied (delivered in any order). */
  pending: OrchestratorEvent[];
  /** Every orchestrator event id enqueued: the job id dedupes a second event with the same id. */
  eventIdsSeen: Set<string>;
  /** What each thread message key shows now (the outbox posts a key once, then edits `upsert` keys). */
  messages: Map<string, View>;
  /** Gate timers set and not yet fired or dropped, by event id (the delayed job's id). */
  timers: Map<string, OrchestratorEvent>;
  seq: number;
  log: string[];
}

function newWorld(settings: MachineSettings): World {
  return {
    project: undefined,
    settings,
    jobs: new Map(),
    jobIdsSeen: new Set(),
    pending: [],
    eventIdsSeen: new Set(),
    messages: new Map(),
    timers: new Map(),
    seq: 0,
    log: [],
  };
}

/** The engine: apply unless already applied, then carry the effects out. */
function apply(w: World, event: OrchestratorEvent): void {
  if (w.project?.recentEvents.includes(event.eventId)) return;
  const t = applyEvent(w.project, event, { ...w.settings, now: 1_000 + w.seq });
  if (!t.project) return;
  w.project = {
    ...t.project,
    revision: (w.project?.revision ?? -1) + 1,
    recentEvents: [...(w.project?.recentEvents ?? []), event.eventId].slice(-200),
  };
  for (const effect of t.effects) carryOut(w, w.project, effect);
}

function carryOut(w: World, project: Project, effect: Effect): void {
  switch (effect.kind) {
    case 'agent_job': {
      const id = jobIds.agent(project.id, effect.key);
      if (w.jobIdsSeen.has(id)) return;
      w.jobIdsSeen.add(id);
      w.jobs.set(id, { job: effect.job, started: false });
      return;
    }
    case 'thread_message':
      if (effect.mode === 'post' && w.messages.has(effect.key)) return;
      w.messages.set(effect.key, effect.view);
      return;
    case 'gate_timer': {
      const event = gateTimerEvent(project.id, effect);
      w.timers.set(event.eventId, event);
      return;
    }
    case 'cancel_gate_timers':
      for (const timer of ['reminder', 'expiry'] as const)
        w.timers.delete(gateTimerEvent(project.id, { ...effect, timer }).eventId);
      return;
    default:
      return;
  }
}

/** The orchestrator queue: an event whose id it has seen is the same job, and is dropped. */
function enqueue(w: World, event: OrchestratorEvent): void {
  if (w.eventIdsSeen.has(event.eventId)) return;
  w.eventIdsSeen.add(event.eventId);
  w.pending.push(event);
}

const PLAN_DEFAULT = () => asTailoredPlan(defaultPlan(defaultRequirements('churn')), 'kept the default');

/** A plan whose middle stage may fail without stopping the run, so a completed run can hold a failed stage. */
const PLAN_TOLERANT = (): TailoredPlan => {
  const base = PLAN_DEFAULT();
  return {
    ...base,
    stages: base.stages.map((s) => (s.id === 'phase2.python-pro' ? { ...s, onFailure: 'continue' } : s)),
  };
};

/** Two deployments side by side, each behind its own gate. */
const PLAN_PARALLEL_GATES = (): TailoredPlan => {
  const base = PLAN_DEFAULT();
  return {
    ...base,
    stages: base.stages.map((s) =>
      s.id === 'phase3.kubernetes-architect'
        ? { ...s, task: 'Design the Kubernetes resources.', reads: ['phase2.python-pro'] }
        : s,
    ),
  };
};

const INVALID_PLAN = (): TailoredPlan => ({
  ...PLAN_DEFAULT(),
  stages: PLAN_DEFAULT().stages.map((s) => ({ ...s, reads: ['phase9.nowhere'] })),
});

/** The agents worker running one job to an end: nothing when stale, else its result event. */
function runJob(w: World, id: string, outcome: Outcome, variant: number): void {
  const entry = w.jobs.get(id);
  const project = w.project;
  if (!entry || !project) return;
  const { job } = entry;
  if (staleReason(project, job)) {
    w.jobs.delete(id);
    return;
  }
  const base = { projectId: job.projectId };
  if (outcome === 'start') {
    if (job.kind !== 'stage' || entry.started) return;
    entry.started = true;
    enqueue(w, {
      type: 'stage_started',
      eventId: eventIds.stageStarted(job.projectId, job.stageId, job.attempt),
      ...base,
      stageId: job.stageId,
      attempt: job.attempt,
    });
    return;
  }
  w.jobs.delete(id);
  if (outcome === 'budget') {
    // The call was priced and refused before it was made.
    enqueue(w, {
      type: 'budget_exceeded',
      eventId: eventIds.budgetExceeded(job.projectId, agentJobKey(job)),
      projectId: job.projectId,
      scope: variant % 2 === 0 ? 'project' : 'workspace',
      job,
      spentUsd: 9.5,
      limitUsd: 10,
      callUsd: 0.9,
    });
    return;
  }
  enqueue(w, resultEvent(job, outcome, variant));
}

type Outcome = 'ok' | 'fail' | 'start' | 'budget';

/** What the worker reports when a job ends: its result or its failure, with the worker's own event ids. */
function resultEvent(job: AgentJob, outcome: 'ok' | 'fail', variant: number): OrchestratorEvent {
  const base = { projectId: job.projectId };
  if (outcome === 'fail') {
    const error = 'model unavailable';
    const eventId = failedEventId(job);
    switch (job.kind) {
      case 'clarify':
        return { type: 'clarify_failed', eventId, ...base, round: job.round, error };
      case 'plan':
        return { type: 'plan_failed', eventId, ...base, round: job.round, error };
      case 'stage':
        return {
          type: 'stage_failed',
          eventId,
          ...base,
          stageId: job.stageId,
          attempt: job.attempt,
          error,
        };
      case 'summary':
        return { type: 'summary_failed', eventId, ...base, round: job.round, error };
    }
  }
  const eventId = doneEventId(job);
  switch (job.kind) {
    case 'clarify':
      return {
        type: 'clarify_done',
        eventId,
        ...base,
        round: job.round,
        output: {
          ready: variant % 3 === 0,
          questions: variant % 3 === 0 ? [] : ['Where does the data live?'],
          requirements: defaultRequirements('churn'),
          assumptions: [],
        },
        usage: ZERO_USAGE,
      };
    case 'plan':
      return {
        type: 'plan_done',
        eventId,
        ...base,
        round: job.round,
        output:
          [PLAN_DEFAULT, PLAN_TOLERANT, PLAN_PARALLEL_GATES, INVALID_PLAN][variant % 4]?.() ?? PLAN_DEFAULT(),
        usage: ZERO_USAGE,
      };
    case 'stage':
      return {
        type: 'stage_done',
        eventId,
        ...base,
        stageId: job.stageId,
        attempt: job.attempt,
        summary: 'ok',
        usage: ZERO_USAGE,
        model: 'claude-test',
        degraded: false,
        jobAttempts: 1,
      };
    case 'summary':
      return {
        type: 'summary_done',
        eventId,
        ...base,
        round: job.round,
        summary: summaryAnswer(),
        usage: ZERO_USAGE,
      };
  }
}

function say(w: World, text: string, userId: string): void {
  const project = w.project;
  w.seq += 1;
  apply(w, {
    type: 'message',
    eventId: `Ev${w.seq}`,
    teamId: project?.teamId ?? 'T1',
    channelId: project?.channelId ?? 'C1',
    threadTs: project?.threadTs ?? '100.1',
    ts: `100.${w.seq + 1}`,
    userId,
    text,
    addressed: project === undefined,
    visibility: 'public',
  });
}

/** Buttons a person can click now: every gate and forget message whose current render has buttons. */
function liveButtons(w: World): View[] {
  return [...w.messages.values()].filter(
    (v) =>
      (v.type === 'gate' && !v.decision && !v.closedReason) ||
      ((v.type === 'forget_confirm' || v.type === 'budget') && !v.decision),
  );
}

function click(w: World, index: number, approve: boolean, userId: string, anyMessage: boolean): void {
  const project = w.project;
  if (!project) return;
  const candidates = anyMessage
    ? [...w.messages.values()].filter(
        (v) => v.type === 'gate' || v.type === 'forget_confirm' || v.type === 'budget',
      )
    : liveButtons(w);
  const view = candidates[index % Math.max(1, candidates.length)];
  if (!view) return;
  w.seq += 1;
  const origin = { teamId: project.teamId, channelId: project.channelId, threadTs: project.threadTs };
  if (view.type === 'gate') {
    apply(w, {
      type: 'gate_decision',
      eventId: `click${w.seq}`,
      projectId: project.id,
      stageId: view.stageId,
      attempt: view.attempt,
      gateRound: view.gateRound,
      verdict: approve ? 'approve' : 'reject',
      userId,
      origin,
    });
  } else if (view.type === 'budget') {
    apply(w, {
      type: 'budget_decision',
      eventId: `click${w.seq}`,
      projectId: project.id,
      round: view.round,
      verdict: approve ? 'raise' : 'stop',
      userId,
      origin,
    });
  } else if (view.type === 'forget_confirm') {
    apply(w, {
      type: 'forget_decision',
      eventId: `click${w.seq}`,
      projectId: project.id,
      confirmKey: view.confirmKey,
      verdict: approve ? 'keep' : 'forget',
      userId,
      origin,
    });
  }
}

type Action =
  | { kind: 'run'; pick: number; outcome: Outcome; variant: number; deliver: boolean }
  | { kind: 'deliver'; pick: number }
  | { kind: 'deliverAll' }
  | {
      kind: 'say';
      what: 'status' | 'cancel' | 'resume' | 'go' | 'retry' | 'forget' | 'answer';
      who: number;
      pick: number;
    }
  | { kind: 'click'; pick: number; approve: boolean; who: number; anyMessage: boolean }
  | { kind: 'redeliver'; pick: number }
  /** A gate's reminder or expiry comes due. */
  | { kind: 'timer'; pick: number };

const PEOPLE = [REQUESTER, APPROVER, STRANGER, APPROVER2];

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('run' as const),
      pick: fc.nat(),
      outcome: fc.constantFrom<Outcome>('ok', 'ok', 'ok', 'fail', 'start', 'budget'),
      variant: fc.nat(),
      deliver: fc.boolean(),
    }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('deliver' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('deliverAll' as const) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('say' as const),
      what: fc.constantFrom(
        'status' as const,
        'cancel' as const,
        'cancel' as const,
        'resume' as const,
        'resume' as const,
        'resume' as const,
        'go' as const,
        'retry' as const,
        'retry' as const,
        'retry' as const,
        'forget' as const,
        'answer' as const,
        'answer' as const,
      ),
      who: fc.constantFrom(0, 0, 0, 1, 2),
      pick: fc.nat(),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('click' as const),
      pick: fc.nat(),
      approve: fc.boolean(),
      who: fc.constantFrom(0, 0, 0, 1, 2, 3),
      anyMessage: fc.constantFrom(false, false, true),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('redeliver' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('timer' as const), pick: fc.nat() }) },
);

const delivered: OrchestratorEvent[] = [];

function perform(w: World, a: Action): void {
  const who = PEOPLE[a.kind === 'say' || a.kind === 'click' ? a.who : 0] ?? REQUESTER;
  switch (a.kind) {
    case 'run': {
      const ids = [...w.jobs.keys()];
      const id = ids[a.pick % Math.max(1, ids.length)];
      if (id) runJob(w, id, a.outcome, a.variant);
      if (a.deliver) perform(w, { kind: 'deliverAll' });
      return;
    }
    case 'deliver': {
      if (w.pending.length === 0) return;
      const [event] = w.pending.splice(a.pick % w.pending.length, 1);
      if (event) {
        delivered.push(event);
        apply(w, event);
      }
      return;
    }
    case 'deliverAll':
      while (w.pending.length > 0) {
        const event = w.pending.shift() as OrchestratorEvent;
        delivered.push(event);
        apply(w, event);
      }
      return;
    case 'say': {
      const stages = w.project?.plan?.stages ?? [];
      const stage = stages[a.pick % Math.max(1, stages.length)]?.id ?? 'phase1.data-engineer';
      const text =
        a.what === 'retry' ? `retry ${stage}` : a.what === 'answer' ? 'the data is in BigQuery' : a.what;
      say(w, text, who);
      return;
    }
    case 'click':
      click(w, a.pick, a.approve, who, a.anyMessage);
      return;
    case 'redeliver': {
      const event = delivered[a.pick % Math.max(1, delivered.length)];
      if (event) apply(w, event);
      return;
    }
    case 'timer': {
      const [id, event] = [...w.timers.entries()][a.pick % Math.max(1, w.timers.size)] ?? [];
      if (!id || !event) return;
      w.timers.delete(id);
      delivered.push(event);
      apply(w, event);
      return;
    }
  }
}

/**
 * Drives a fresh run forward as a cooperative world would (every job succeeds, results arrive in
 * order, an authorised person approves each gate when `approveGates`) until `reached` holds, or
 * `maxSteps` steps have passed.
 */
function driveUntil(
  w: World,
  reached: (w: World) => boolean,
  opts: { planVariant: number; approveGates: boolean; failStage?: string; maxSteps?: number },
): void {
  for (let i = 0; i < (opts.maxSteps ?? 60) && !reached(w); i++) {
    const [id, entry] = [...w.jobs.entries()][0] ?? [];
    if (id && entry) {
      const fails = entry.job.kind === 'stage' && entry.job.stageId === opts.failStage;
      runJob(w, id, fails ? 'fail' : 'ok', entry.job.kind === 'plan' ? opts.planVariant : 0);
    }
    perform(w, { kind: 'deliverAll' });
    const gate = liveButtons(w).find((v) => v.type === 'gate');
    if (gate && opts.approveGates && !reached(w)) {
      // Each approver in turn, so a quorum of two is met too.
      const approvers = w.settings.approverIds.length > 0 ? w.settings.approverIds : [REQUESTER];
      click(w, liveButtons(w).indexOf(gate), true, approvers[i % approvers.length] ?? REQUESTER, false);
    }
  }
}

const phaseIs = (phase: string) => (w: World) => w.project?.phase === phase;
const gatesOpen = (n: number) => (w: World) =>
  Object.values(w.project?.stages ?? {}).filter((r) => r.state === 'awaiting_approval').length >= n;

/**
 * Where a sequence starts: a fresh request, planning, part-way through the stages, at a gate, at two
 * gates side by side, summarising a run whose optional stage failed, or a completed run of that kind.
 */
const STARTS: Record<string, (w: World, steps: number) => void> = {
  fresh: () => undefined,
  planning: (w) => driveUntil(w, phaseIs('planning'), { planVariant: 0, approveGates: true }),
  running: (w, steps) =>
    driveUntil(w, () => false, { planVariant: 0, approveGates: true, maxSteps: 2 + (steps % 10) }),
  gate: (w) => driveUntil(w, gatesOpen(1), { planVariant: 0, approveGates: false }),
  twoGates: (w) => driveUntil(w, gatesOpen(2), { planVariant: 2, approveGates: false }),
  summarizing: (w) =>
    driveUntil(w, phaseIs('summarizing'), {
      planVariant: 1,
      approveGates: true,
      failStage: 'phase2.python-pro',
    }),
  completed: (w) =>
    driveUntil(w, phaseIs('completed'), {
      planVariant: 1,
      approveGates: true,
      failStage: 'phase2.python-pro',
    }),
};

const TERMINAL_RESUMABLE = new Set(['stopped', 'failed', 'cancelled']);

/** What can move the run now, or undefined when nothing can. */
function whatMovesIt(w: World): string | undefined {
  const project = w.project;
  if (!project) return 'no project';
  if (project.phase === 'completed' || project.phase === 'forgotten') return `terminal: ${project.phase}`;
  const alive = [...w.jobs.values()].find(({ job }) => staleReason(project, job) === undefined);
  if (alive) return `job ${alive.job.kind}`;
  // Results already reported and on their way count: the queue will deliver them.
  if (w.pending.length > 0) return 'results in the queue';
  const gate = liveButtons(w).find(
    (v) => v.type === 'gate' && project.stages[v.stageId]?.state === 'awaiting_approval',
  );
  if (gate) return 'a gate with live buttons';
  const hold = project.budgetHold;
  const budget = liveButtons(w).find((v) => v.type === 'budget' && v.round === hold?.round);
  if (budget) return 'a budget question with live buttons';
  const c = project.clarification;
  if (project.phase === 'clarifying' && !c.inFlight && w.messages.has(`questions.${c.round}`))
    return 'questions for the requester';
  if (TERMINAL_RESUMABLE.has(project.phase)) return `terminal: ${project.phase}`;
  return undefined;
}

/** A resumable run: after `resume`, something must move it. */
function resumeMovesIt(w: World): string | undefined {
  const copy: World = {
    ...w,
    jobs: new Map(w.jobs),
    jobIdsSeen: new Set(w.jobIdsSeen),
    pending: [...w.pending],
    eventIdsSeen: new Set(w.eventIdsSeen),
    messages: new Map(w.messages),
    timers: new Map(w.timers),
    log: [],
  };
  say(copy, 'resume', REQUESTER);
  const moves = whatMovesIt(copy);
  return moves && !TERMINAL_RESUMABLE.has(copy.project?.phase ?? '') ? moves : undefined;
}

function describeWorld(w: World): string {
  const p = w.project;
  if (!p) return 'no project';
  const stages = Object.entries(p.stages)
    .map(([id, r]) => `${id}=${r.state}#${r.attempt}`)
    .join(' ');
  return `phase ${p.phase}; stages ${stages}; jobs ${[...w.jobs.keys()].join(',') || 'none'}; pending ${w.pending.map((e) => e.eventId).join(',') || 'none'}; messages ${[...w.messages.entries()].map(([k, v]) => `${k}:${v.type === 'gate' ? (v.decision?.verdict ?? v.closedReason ?? 'open') : v.type}`).join(',')}`;
}

/** Approvers and gate rules as the configuration allows them (a quorum needs as many approvers). */
const approvalsArb = fc.oneof(
  fc.constant({ approverIds: [] as string[], approvals: {} }),
  fc.record({
    approverIds: fc.constant([APPROVER]),
    approvals: fc.record({ allowSelfApproval: fc.boolean(), gateTimeoutMs: fc.constantFrom(1_000, 60_000) }),
  }),
  fc.record({
    approverIds: fc.constant([APPROVER, APPROVER2]),
    approvals: fc.record({
      required: fc.constantFrom(1, 2),
      allowSelfApproval: fc.boolean(),
      gateTimeoutMs: fc.constantFrom(1_000, 60_000),
    }),
  }),
);

const settingsArb = fc
  .record({
    approvers: approvalsArb,
    clarifyMaxRounds: fc.integer({ min: 1, max: 3 }),
    projectConcurrency: fc.integer({ min: 1, max: 3 }),
    now: fc.constant(0),
  })
  .map(({ approvers, ...rest }): MachineSettings => ({ ...rest, ...approvers }));

describe('run liveness (property)', () => {
  it('never leaves a run waiting with nothing that can move it', () => {
    fc.assert(
      fc.property(
        settingsArb,
        fc.constantFrom(...Object.keys(STARTS)),
        fc.nat({ max: 100 }),
        fc.array(actionArb, { minLength: 1, maxLength: 30 }),
        (settings, start, steps, actions) => {
          const w = newWorld(settings);
          delivered.length = 0;
          say(w, '<@UBOT> build a churn model', REQUESTER);
          STARTS[start]?.(w, steps);
          const trace: string[] = [];
          for (const action of actions) {
            perform(w, action);
            trace.push(JSON.stringify(action));
            const moves = whatMovesIt(w);
            expect(moves, `stuck after:\n${trace.join('\n')}\n${describeWorld(w)}`).toBeDefined();
            if (w.project && TERMINAL_RESUMABLE.has(w.project.phase)) {
              expect(
                resumeMovesIt(w),
                `resume does not move a ${w.project.phase} run after:\n${trace.join('\n')}\n${describeWorld(w)}`,
              ).toBeDefined();
            }
          }
        },
      ),
      { numRuns: 5000, seed: 20261130 },
    );
  });
});
