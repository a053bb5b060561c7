import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type {
  AgentMetrics,
  BudgetLedger,
  DeliverableReader,
  EventSink,
  ProjectReader,
  StageMemory,
} from '../../src/agents/dependencies.js';
import { doneEventId, failedEventId } from '../../src/agents/jobs/table.js';
import { BreakerOpenError, ModelCallError } from '../../src/agents/model/errors.js';
import type { ModelPrompt, ModelProvider, ModelResult } from '../../src/agents/model/provider.js';
import { type AgentJobDeps, type QueuedAttempt, runAgentJob, WORKER_ID } from '../../src/agents/worker.js';
import type { Deliverable } from '../../src/domain/deliverable.js';
import { BudgetExceededError } from '../../src/domain/errors.js';
import type { OrchestratorEvent } from '../../src/domain/events.js';
import { agentJobKey, eventIds } from '../../src/domain/ids.js';
import type { AgentJob } from '../../src/domain/jobs.js';
import { defaultPlan } from '../../src/domain/plan.js';
import { newProject, type Project } from '../../src/domain/project.js';
import { defaultRequirements } from '../../src/domain/requirements.js';
import { ZERO_USAGE } from '../../src/domain/usage.js';
import type { StageOutcomeInput } from '../../src/memory/agent-memory/index.js';
import { keySpace } from '../../src/memory/keys.js';
import type { Reservation } from '../../src/memory/spend-ledger.js';
import { MemoryStageWork } from '../support/memory-stage-work.js';

/*
 * The agents worker's decisions, against fakes of its own interfaces kept in memory: the project store, the
 * deliverables, agent memory, the event sink, the spend ledger and the model provider. The end-to-end tests
 * (test/integration) run the same worker over real Redis, BullMQ and an Anthropic stand-in.
 */

const DEFAULT_MODEL = 'claude-default';
const FALLBACK_MODEL = 'claude-fallback';
const STAGE_ID = 'phase1.data-engineer';
const CALL_USD = 0.01;

const requirements = defaultRequirements('churn model for our subscription data');
const plan = defaultPlan(requirements);

/** A project running its plan, with one stage queued at `attempt`. */
function runningProject(attempt = 1): Project {
  return {
    ...newProject({
      teamId: 'T1',
      channelId: 'C1',
      threadTs: '1.2',
      requesterId: 'U1',
      request: 'churn',
      now: 0,
    }),
    phase: 'running',
    requirements,
    plan,
    planRound: 1,
    stages: { [STAGE_ID]: { state: 'queued', attempt } },
  };
}

function stageJob(project: Project, attempt = 1): AgentJob {
  return { kind: 'stage', projectId: project.id, stageId: STAGE_ID, attempt };
}

/** A valid stage answer (stageOutputSchema). */
const STAGE_ANSWER = {
  summary: 'Ingestion and schema checks for the subscription tables.',
  deliverable: 'The full ingestion design.',
  digest: 'Ingestion design, condensed.',
  outcome: 'success',
  keyInsights: ['event tables arrive late'],
  delegations: [],
  insights: [],
  messages: [],
};

/** A model that answers with `answer(model)`, priced and checked against the budget first like the real one. */
class FakeProvider implements ModelProvider {
  readonly model = DEFAULT_MODEL;
  /** The model of every request that was made (after the budget let it through). */
  readonly calls: string[] = [];

  constructor(private readonly answer: (model: string) => unknown = () => STAGE_ANSWER) {}

  async structured<T>(prompt: ModelPrompt, schema: z.ZodType<T>): Promise<ModelResult<T>> {
    const model = prompt.model ?? this.model;
    const settle = await prompt.spend?.reserve(CALL_USD);
    this.calls.push(model);
    try {
      const value = schema.parse(this.answer(model));
      await settle?.(CALL_USD);
      return { value, usage: { ...ZERO_USAGE, calls: 1, costUsd: CALL_USD }, model };
    } catch (err) {
      await settle?.(0);
      throw err;
    }
  }
}

const deliverableKey = (projectId: string, stageId: string, attempt: number) =>
  `${projectId}/${stageId}/${attempt}`;

class FakeDeliverables implements DeliverableReader {
  readonly stored = new Map<string, Deliverable>();
  async get(projectId: string, stageId: string, attempt: number): Promise<Deliverable | undefined> {
    return this.stored.get(deliverableKey(projectId, stageId, attempt));
  }
}

/** Records a stage outcome once, writing its deliverable, as the record script does. */
class FakeMemory implements StageMemory {
  readonly recorded: StageOutcomeInput[] = [];
  constructor(private readonly deliverables: FakeDeliverables) {}
  async recall() {
    return { history: [], insights: [], messages: [], corrupt: 0 };
  }
  async recordStageOutcome(input: StageOutcomeInput) {
    const key = deliverableKey(input.projectId, input.stageId, input.attempt);
    if (this.deliverables.stored.has(key)) return { status: 'duplicate' as const };
    this.recorded.push(input);
    this.deliverables.stored.set(key, JSON.parse(input.deliverableJson) as Deliverable);
    return { status: 'recorded' as const, repairedKeys: 0 };
  }
}

class FakeLedger implements BudgetLedger {
  spentUsd = 0;
  async reserve(projectId: string, teamId: string, projectLimitUsd: number, usd: number) {
    if (this.spentUsd + usd > projectLimitUsd)
      throw new BudgetExceededError('project', this.spentUsd, projectLimitUsd, usd);
    this.spentUsd += usd;
    return { projectId, teamId, day: '2026-01-01', usd };
  }
  async settle(reservation: Reservation, actualUsd: number) {
    this.spentUsd += actualUsd - reservation.usd;
  }
}

function setup(options: { project: Project; provider?: FakeProvider; projectBudgetUsd?: number }) {
  const projects: ProjectReader = {
    get: async (id) => (id === options.project.id ? options.project : undefined),
  };
  const deliverables = new FakeDeliverables();
  const memory = new FakeMemory(deliverables);
  const events: OrchestratorEvent[] = [];
  const sink: EventSink = { enqueue: async (event) => void events.push(event) };
  const outcomes: string[] = [];
  const durations: Array<{ role: string; outcome: string }> = [];
  const metrics: AgentMetrics = {
    stageDuration: {
      startTimer:
        ({ role }) =>
        ({ outcome }) =>
          durations.push({ role, outcome }),
    },
    modelCalls: { inc: ({ outcome }) => void outcomes.push(outcome) },
  };
  const provider = options.provider ?? new FakeProvider();
  const ledger = new FakeLedger();
  const deps: AgentJobDeps = {
    projects,
    deliverables,
    memory,
    stageWork: new MemoryStageWork(),
    review: { enabled: false, minCoverage: 0.8, model: undefined },
    events: sink,
    ledger,
    provider,
    fallbackModel: FALLBACK_MODEL,
    keys: keySpace('unit'),
    logger: pino({ level: 'silent' }),
    metrics,
    clarifyMaxRounds: 3,
    inputTokenBudget: 4_000,
    memoryTokenBudget: 1_000,
    projectBudgetUsd: options.projectBudgetUsd ?? 10,
  };
  return { deps, deliverables, memory, events, outcomes, durations, provider, ledger };
}

const attempt = (n: number, of = 3): QueuedAttempt => ({ jobId: 'job-1', attempt: n, maxAttempts: of });
const types = (events: OrchestratorEvent[]) => events.map((e) => e.type);

describe('agent worker', () => {
  it('runs a stage, records its deliverable and reports stage_done with the worker’s event id', async () => {
    const project = runningProject();
    const job = stageJob(project);
    const w = setup({ project });

    await expect(runAgentJob(w.deps, job, attempt(1))).resolves.toEqual({ status: 'done' });

    expect(w.provider.calls).toEqual([DEFAULT_MODEL]);
    expect(w.memory.recorded).toHaveLength(1);
    expect(w.memory.recorded[0]?.deliverableKey).toBe(w.deps.keys.deliverable(project.id, STAGE_ID, 1));
    const stored = await w.deliverables.get(project.id, STAGE_ID, 1);
    expect(stored).toMatchObject({
      summary: STAGE_ANSWER.summary,
      model: DEFAULT_MODEL,
      degraded: false,
      jobAttempts: 1,
      workerId: WORKER_ID,
    });
    expect(types(w.events)).toEqual(['stage_started', 'stage_done']);
    const done = w.events[1];
    expect(done?.eventId).toBe(doneEventId(job));
    expect(done?.eventId).toBe(eventIds.stageDone(project.id, STAGE_ID, 1));
    expect(done).toMatchObject({ summary: STAGE_ANSWER.summary, model: DEFAULT_MODEL, degraded: false });
    expect(w.outcomes).toEqual(['ok']);
    expect(w.durations).toEqual([{ role: 'data-engineer', outcome: 'ok' }]);
    expect(w.ledger.spentUsd).toBeCloseTo(CALL_USD);
  });

  it.each([
    ['the run was cancelled', (p: Project): Project => ({ ...p, phase: 'cancelled' })],
    [
      'the stage attempt was superseded',
      (p: Project): Project => ({ ...p, stages: { [STAGE_ID]: { state: 'queued', attempt: 2 } } }),
    ],
    [
      'the stage is already done',
      (p: Project): Project => ({ ...p, stages: { [STAGE_ID]: { state: 'done', attempt: 1 } } }),
    ],
  ])('never calls the model for a stale job (%s)', async (_why, change) => {
    const project = change(runningProject());
    const w = setup({ project });

    const outcome = await runAgentJob(w.deps, stageJob(project), attempt(1));

    expect(outcome.status).toBe('dropped');
    expect(w.provider.calls).toEqual([]);
    expect(w.events).toEqual([]);
    expect(w.outcomes).toEqual([]);
  });

  it('leaves a failure with attempts left to the queue: no fallback, nothing reported', async () => {
    const project = runningProject();
    const provider = new FakeProvider(() => {
      throw new ModelCallError('model API 529 error', { status: 529, retryable: true, cause: undefined });
    });
    const w = setup({ project, provider });

    const outcome = await runAgentJob(w.deps, stageJob(project), attempt(1));

    expect(outcome).toMatchObject({ status: 'retry', error: { code: 'model_unavailable' } });
    expect(provider.calls).toEqual([DEFAULT_MODEL]);
    expect(types(w.events)).toEqual(['stage_started']);
    expect(w.outcomes).toEqual(['retry']);
  });

  it('tries the fallback model once after the last attempt fails, then reports stage_failed', async () => {
    const project = runningProject();
    const job = stageJob(project);
    const provider = new FakeProvider((model) => {
      throw new ModelCallError(`model API 500 error from ${model}`, {
        status: 500,
        retryable: true,
        cause: undefined,
      });
    });
    const w = setup({ project, provider });

    const outcome = await runAgentJob(w.deps, job, attempt(3, 3));

    expect(outcome).toMatchObject({ status: 'failed', error: { code: 'model_unavailable' } });
    expect(provider.calls).toEqual([DEFAULT_MODEL, FALLBACK_MODEL]);
    const failed = w.events.filter((e) => e.type === 'stage_failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]?.eventId).toBe(failedEventId(job));
    expect(failed[0]?.eventId).toBe(eventIds.stageFailed(project.id, STAGE_ID, 1));
    expect(failed[0]).toMatchObject({ error: 'model API 500 error from claude-default' });
    expect(types(w.events)).not.toContain('stage_done');
    expect(w.memory.recorded).toEqual([]);
    expect(w.outcomes).toEqual(['failed']);
  });

  it('records what the fallback model produced as degraded', async () => {
    const project = runningProject();
    const provider = new FakeProvider((model) => {
      if (model === DEFAULT_MODEL)
        throw new ModelCallError('overloaded', { status: 529, retryable: true, cause: undefined });
      return STAGE_ANSWER;
    });
    const w = setup({ project, provider });

    const outcome = await runAgentJob(w.deps, stageJob(project), attempt(3, 3));

    expect(outcome).toEqual({ status: 'done', fallback: FALLBACK_MODEL });
    expect(await w.deliverables.get(project.id, STAGE_ID, 1)).toMatchObject({
      model: FALLBACK_MODEL,
      degraded: true,
      jobAttempts: 3,
    });
    expect(w.events.at(-1)).toMatchObject({ type: 'stage_done', model: FALLBACK_MODEL, degraded: true });
    expect(w.outcomes).toEqual(['failed', 'fallback']);
  });

  it('reports a budget refusal as budget_exceeded and not as a failure', async () => {
    const project = runningProject();
    const job = stageJob(project);
    const w = setup({ project, projectBudgetUsd: CALL_USD / 2 });

    const outcome = await runAgentJob(w.deps, job, attempt(3, 3));

    expect(outcome).toEqual({ status: 'held' });
    expect(w.provider.calls).toEqual([]);
    expect(types(w.events)).toEqual(['stage_started', 'budget_exceeded']);
    expect(w.events[1]).toMatchObject({
      eventId: eventIds.budgetExceeded(project.id, agentJobKey(job)),
      scope: 'project',
      limitUsd: CALL_USD / 2,
      callUsd: CALL_USD,
      job,
    });
    expect(w.outcomes).toEqual(['budget']);
    expect(w.durations).toEqual([{ role: 'data-engineer', outcome: 'budget' }]);
  });

  it('does not call the model again for a stage whose deliverable is stored', async () => {
    const project = runningProject();
    const job = stageJob(project);
    const w = setup({ project });
    const earlier: Deliverable = {
      stageId: STAGE_ID,
      attempt: 1,
      role: 'data-engineer',
      summary: 'recorded before a crash',
      deliverable: 'the deliverable',
      digest: 'the digest',
      usage: { ...ZERO_USAGE, calls: 1, costUsd: CALL_USD },
      model: DEFAULT_MODEL,
      degraded: false,
      jobAttempts: 1,
      workerId: 'another-host:1',
      startedAt: 1,
      producedAt: 2,
    };
    w.deliverables.stored.set(deliverableKey(project.id, STAGE_ID, 1), earlier);

    await expect(runAgentJob(w.deps, job, attempt(2))).resolves.toEqual({ status: 'done' });

    expect(w.provider.calls).toEqual([]);
    expect(w.memory.recorded).toEqual([]);
    expect(w.events).toEqual([
      expect.objectContaining({
        type: 'stage_done',
        eventId: doneEventId(job),
        summary: 'recorded before a crash',
        jobAttempts: 1,
      }),
    ]);
  });

  it('waits for an open circuit breaker without spending an attempt or reporting anything', async () => {
    const project = runningProject();
    const retryAt = Date.now() + 60_000;
    const provider = new FakeProvider(() => {
      throw new BreakerOpenError(retryAt);
    });
    const w = setup({ project, provider });

    await expect(runAgentJob(w.deps, stageJob(project), attempt(3, 3))).resolves.toEqual({
      status: 'delayed',
      retryAt,
    });
    expect(provider.calls).toEqual([DEFAULT_MODEL]);
    expect(types(w.events)).toEqual(['stage_started']);
    expect(w.outcomes).toEqual(['delayed']);
  });

  it('reports a clarification round as clarify_done with the entry’s event id', async () => {
    const base = runningProject();
    const project: Project = {
      ...base,
      phase: 'clarifying',
      clarification: { ...base.clarification, round: 1, inFlight: true },
    };
    const job: AgentJob = { kind: 'clarify', projectId: project.id, round: 1 };
    const provider = new FakeProvider(() => ({ ready: true, questions: [], requirements, assumptions: [] }));
    const w = setup({ project, provider });

    await expect(runAgentJob(w.deps, job, attempt(1))).resolves.toEqual({ status: 'done' });

    expect(w.events).toEqual([
      expect.objectContaining({
        type: 'clarify_done',
        eventId: eventIds.clarifyDone(project.id, 1),
        round: 1,
      }),
    ]);
    expect(w.durations).toEqual([{ role: 'project-manager', outcome: 'ok' }]);
  });

  it('drops a malformed job unrun', async () => {
    const project = runningProject();
    const w = setup({ project });

    const outcome = await runAgentJob(w.deps, { kind: 'stage', projectId: project.id }, attempt(1));

    expect(outcome).toEqual({ status: 'dropped', reason: 'malformed' });
    expect(w.provider.calls).toEqual([]);
    expect(w.events).toEqual([]);
  });
});
