import { describe, expect, it } from 'vitest';
import { mayApprove } from '../../src/domain/authority.js';
import type { Effect } from '../../src/domain/effects.js';
import type { OrchestratorEvent } from '../../src/domain/events.js';
import { asTailoredPlan, defaultPlan } from '../../src/domain/plan.js';
import type { Project } from '../../src/domain/project.js';
import { defaultRequirements } from '../../src/domain/requirements.js';
import { ZERO_USAGE } from '../../src/domain/usage.js';
import { applyEvent, type MachineSettings } from '../../src/orchestrator/run-machine.js';
import { summaryAnswer } from '../support/summaries.js';

const settings: MachineSettings = { approverIds: [], clarifyMaxRounds: 3, projectConcurrency: 3, now: 1_000 };
let seq = 0;
const message = (text: string, userId = 'UREQ', addressed = false): OrchestratorEvent => ({
  type: 'message',
  eventId: `Ev${++seq}`,
  teamId: 'T1',
  channelId: 'C1',
  threadTs: '100.1',
  ts: `100.${seq + 1}`,
  userId,
  text,
  addressed,
});

function step(project: Project | undefined, event: OrchestratorEvent, s = settings) {
  const t = applyEvent(project, event, s);
  if (!t.project) throw new Error('no project');
  return t as { project: Project; effects: Effect[] };
}

const jobs = (effects: Effect[]) => effects.flatMap((e) => (e.kind === 'agent_job' ? [e.job] : []));
const views = (effects: Effect[]) =>
  effects.flatMap((e) => (e.kind === 'thread_message' ? [e.view.type] : []));

/** The plan the project manager returns when it keeps the default. */
const keptDefault = () => asTailoredPlan(defaultPlan(defaultRequirements('churn')), 'kept the default plan');

function planned(project: Project, output = keptDefault(), s = settings) {
  return step(
    project,
    {
      type: 'plan_done',
      eventId: `p${++seq}`,
      projectId: project.id,
      round: project.planRound,
      output,
      usage: ZERO_USAGE,
    },
    s,
  );
}

/** A freshly opened project whose first clarification says the requirements are ready: now planning. */
function clarifiedReady(s = settings) {
  const opened = step(undefined, message('<@UBOT> build a churn model', 'UREQ', true), s);
  return step(
    opened.project,
    {
      type: 'clarify_done',
      eventId: 'c1',
      projectId: opened.project.id,
      round: 1,
      output: { ready: true, questions: [], requirements: defaultRequirements('churn'), assumptions: [] },
      usage: ZERO_USAGE,
    },
    s,
  );
}

/** A project whose clarification answered "ready" at once and whose plan was accepted: the run has started. */
function running(s = settings) {
  return planned(clarifiedReady(s).project, keptDefault(), s);
}

function finishStage(project: Project, stageId: string) {
  return step(project, {
    type: 'stage_done',
    eventId: `done.${stageId}`,
    projectId: project.id,
    stageId,
    attempt: project.stages[stageId]?.attempt ?? 1,
    summary: `${stageId} ok`,
    usage: { ...ZERO_USAGE, inputTokens: 10, calls: 1 },
    model: 'claude-test',
    degraded: false,
    jobAttempts: 1,
  });
}

/** The current attempt of `stageId` failed for good with `error`. */
function failStage(project: Project, stageId: string, error: string, s = settings) {
  const attempt = project.stages[stageId]?.attempt ?? 1;
  return step(
    project,
    {
      type: 'stage_failed',
      eventId: `failed.${stageId}.${attempt}`,
      projectId: project.id,
      stageId,
      attempt,
      error,
    },
    s,
  );
}

const BEFORE_GATE = [
  'phase1.data-engineer',
  'phase1.data-scientist',
  'phase2.ml-engineer',
  'phase2.python-pro',
];

/** Runs a started project until the first gate waits for a click. */
function toFirstGate(): Project {
  let { project } = running();
  for (const id of BEFORE_GATE) project = finishStage(project, id).project;
  return project;
}

let clicks = 0;
const decide = (project: Project, stageId: string, verdict: 'approve' | 'reject', userId: string) =>
  step(project, {
    type: 'gate_decision',
    eventId: `g${++clicks}`,
    projectId: project.id,
    stageId,
    attempt: project.stages[stageId]?.attempt ?? 1,
    gateRound: project.stages[stageId]?.gateRound ?? 1,
    verdict,
    userId,
    origin: { teamId: project.teamId, channelId: project.channelId, threadTs: project.threadTs },
  });

describe('run state machine', () => {
  it('ignores a plain message in a thread it does not run', () => {
    expect(applyEvent(undefined, message('hello'), settings).project).toBeUndefined();
  });

  it('opens a project on a mention and asks the model to clarify', () => {
    const { project, effects } = step(undefined, message('<@UBOT> build a churn model', 'UREQ', true));
    expect(project.request).toBe('build a churn model');
    expect(project.requesterId).toBe('UREQ');
    expect(jobs(effects)).toEqual([{ kind: 'clarify', projectId: 'T1-C1-100.1', round: 1 }]);
    expect(views(effects)).toEqual(['welcome']);
  });

  it('asks questions, then starts with defaults when the requester says go', () => {
    const opened = step(undefined, message('<@UBOT> churn', 'UREQ', true));
    const asked = step(opened.project, {
      type: 'clarify_done',
      eventId: 'c1',
      projectId: opened.project.id,
      round: 1,
      output: {
        ready: false,
        questions: ['Where is the data?'],
        requirements: defaultRequirements('churn'),
        assumptions: ['S3'],
      },
      usage: ZERO_USAGE,
    });
    expect(views(asked.effects)).toEqual(['questions']);
    const go = step(asked.project, message('go'));
    expect(go.project.phase).toBe('planning');
    expect(go.project.defaultsUsed).toBe(true);
    expect(jobs(go.effects)).toEqual([{ kind: 'plan', projectId: opened.project.id, round: 1 }]);
    const run = planned(go.project);
    expect(run.project.phase).toBe('running');
    expect(views(run.effects)).toEqual(['plan', 'status']);
    expect(jobs(run.effects)).toEqual([
      { kind: 'stage', projectId: opened.project.id, stageId: 'phase1.data-engineer', attempt: 1 },
    ]);
  });

  it('proceeds with stated defaults after the last clarification round', () => {
    const s = { ...settings, clarifyMaxRounds: 1 };
    const opened = step(undefined, message('<@UBOT> churn', 'UREQ', true), s);
    const done = step(
      opened.project,
      {
        type: 'clarify_done',
        eventId: 'c1',
        projectId: opened.project.id,
        round: 1,
        output: {
          ready: false,
          questions: ['Q?'],
          requirements: defaultRequirements('churn'),
          assumptions: [],
        },
        usage: ZERO_USAGE,
      },
      s,
    );
    expect(done.project.phase).toBe('planning');
  });

  it('only reads answers from the requester', () => {
    const opened = step(undefined, message('<@UBOT> churn', 'UREQ', true));
    const other = step(
      { ...opened.project, clarification: { ...opened.project.clarification, inFlight: false } },
      message('use postgres', 'UOTHER'),
    );
    expect(other.project.clarification.transcript).toEqual([]);
  });

  it('waits at a gate, refuses an unauthorised click, and runs on approval', () => {
    const project = toFirstGate();
    expect(project.stages['phase3.mlops-engineer']?.state).toBe('awaiting_approval');

    const refused = decide(project, 'phase3.mlops-engineer', 'approve', 'USTRANGER');
    expect(refused.project.stages['phase3.mlops-engineer']?.state).toBe('awaiting_approval');
    expect(refused.effects.map((e) => e.kind)).toEqual(['ephemeral']);

    const approved = decide(project, 'phase3.mlops-engineer', 'approve', 'UREQ');
    expect(approved.project.stages['phase3.mlops-engineer']?.state).toBe('queued');
    expect(approved.project.stages['phase3.mlops-engineer']?.decision?.by).toBe('UREQ');

    const again = decide(approved.project, 'phase3.mlops-engineer', 'reject', 'UREQ');
    expect(again.project.stages['phase3.mlops-engineer']?.state).toBe('queued');
    expect(again.effects.map((e) => e.kind)).toEqual(['ephemeral']);
  });

  it('stops the run on reject and says so', () => {
    const project = toFirstGate();
    const rejected = decide(project, 'phase3.mlops-engineer', 'reject', 'UREQ');
    expect(rejected.project.phase).toBe('stopped');
    expect(rejected.project.stages['phase3.mlops-engineer']?.state).toBe('rejected');
    expect(jobs(rejected.effects)).toEqual([]);
    const notice = rejected.effects.find((e) => e.kind === 'thread_message' && e.view.type === 'notice');
    expect(JSON.stringify(notice)).toMatch(/stopped/);
  });

  it('keeps a rejection’s reason with the decision, quotes it in the thread and writes it to the audit trail', () => {
    const project = toFirstGate();
    const event = {
      type: 'gate_decision' as const,
      eventId: 'reject-with-reason',
      projectId: project.id,
      stageId: 'phase3.mlops-engineer',
      attempt: 1,
      gateRound: project.stages['phase3.mlops-engineer']?.gateRound ?? 1,
      verdict: 'reject' as const,
      reason: 'no rollback plan',
      userId: 'UREQ',
      origin: {
        teamId: project.teamId,
        channelId: project.channelId,
        threadTs: project.threadTs,
        messageTs: '9.9',
      },
    };
    const rejected = step(project, event);
    expect(rejected.project.stages['phase3.mlops-engineer']?.decision?.reason).toBe('no rollback plan');
    const notice = rejected.effects.find((e) => e.kind === 'thread_message' && e.view.type === 'notice');
    expect(notice).toMatchObject({
      view: { detail: 'no rollback plan', text: expect.stringMatching(/^Rejected by <@UREQ>:/) },
    });
    expect(rejected.effects.filter((e) => e.kind === 'audit')).toEqual([
      {
        kind: 'audit',
        key: 'audit.reject-with-reason.reject',
        entry: expect.objectContaining({
          action: 'reject',
          by: 'UREQ',
          stageId: 'phase3.mlops-engineer',
          reason: 'no rollback plan',
          messageTs: '9.9',
          channelId: project.channelId,
        }),
      },
    ]);
    // A refused click writes nothing to the trail.
    const refused = step(project, { ...event, eventId: 'stranger', userId: 'USTRANGER' });
    expect(refused.effects.map((e) => e.kind)).toEqual(['ephemeral']);
  });

  it('honours approver ids over the requester', () => {
    const { project } = running();
    expect(mayApprove(project, { userId: 'UREQ' }, [], 'phase3.x').allowed).toBe(true);
    expect(mayApprove(project, { userId: 'UREQ' }, ['UBOSS'], 'phase3.x').allowed).toBe(false);
    expect(mayApprove(project, { userId: 'UBOSS' }, ['UBOSS'], 'phase3.x').allowed).toBe(true);
  });

  it('answers status with every stage and completes after the summary', () => {
    let { project } = running();
    for (const id of project.plan?.stages.map((s) => s.id) ?? []) {
      if (project.stages[id]?.state === 'awaiting_approval')
        project = decide(project, id, 'approve', 'UREQ').project;
      project = finishStage(project, id).project;
    }
    expect(project.phase).toBe('summarizing');
    const done = step(project, {
      type: 'summary_done',
      eventId: 's',
      projectId: project.id,
      round: project.summaryRound,
      summary: summaryAnswer({ headline: 'All good' }),
      usage: ZERO_USAGE,
    });
    expect(done.effects.map((e) => e.kind)).toContain('report');
    expect(done.project.phase).toBe('completed');
    const status = step(done.project, message('status'));
    const view = status.effects[0];
    expect(view?.kind === 'thread_message' && view.view.type === 'status' && view.view.phase).toBe(
      'completed',
    );
    expect(done.project.usage.inputTokens).toBe(70);
  });

  it('cancels: queued stages never start, and a late result is ignored', () => {
    const { project } = running();
    const cancelled = step(project, message('cancel'));
    expect(cancelled.project.phase).toBe('cancelled');
    expect(cancelled.project.stages['phase1.data-engineer']?.state).toBe('cancelled');
    const late = finishStage(cancelled.project, 'phase1.data-engineer');
    expect(late.project.stages['phase1.data-engineer']?.state).toBe('cancelled');
    expect(jobs(late.effects)).toEqual([]);
  });

  it('retries a failed stage with a new attempt', () => {
    const { project } = running();
    const failed = failStage(project, 'phase1.data-engineer', 'model down');
    expect(failed.project.phase).toBe('failed');
    const retried = step(failed.project, message('retry phase1.data-engineer'));
    expect(retried.project.phase).toBe('running');
    expect(jobs(retried.effects)).toEqual([
      { kind: 'stage', projectId: project.id, stageId: 'phase1.data-engineer', attempt: 2 },
    ]);
  });

  it('runs at most the concurrency limit of ready stages', () => {
    const { project } = running({ ...settings, projectConcurrency: 1 });
    expect(Object.values(project.stages).filter((s) => s.state === 'queued')).toHaveLength(1);
  });

  it('runs a tailored plan with parallel stages, and falls back to the default for an invalid one', () => {
    const clarified = clarifiedReady();
    const tailored = keptDefault();
    const de = tailored.stages[0];
    if (!de) throw new Error('no stage');
    // Three model-family experiments that all read the data engineer, and a review that reads all three.
    tailored.stages = [
      de,
      ...['gbm', 'logreg', 'nn'].map((f) => ({
        ...de,
        id: `phase2.${f}`,
        phase: 2,
        role: 'ml-engineer' as const,
        reads: [de.id],
        task: `Train ${f}`,
      })),
      {
        ...de,
        id: 'phase2.review',
        phase: 2,
        role: 'data-scientist' as const,
        reads: ['phase2.gbm', 'phase2.logreg', 'phase2.nn'],
        task: 'Pick one',
      },
    ];
    tailored.phases = [
      { number: 1, name: 'Data' },
      { number: 2, name: 'Model' },
    ];
    let { project } = planned(clarified.project, tailored);
    expect(project.plan?.stages.map((st) => st.id)).toEqual([
      'phase1.data-engineer',
      'phase2.gbm',
      'phase2.logreg',
      'phase2.nn',
      'phase2.review',
    ]);
    const after = finishStage(project, 'phase1.data-engineer');
    project = after.project;
    expect(jobs(after.effects).map((j) => (j.kind === 'stage' ? j.stageId : j.kind))).toEqual([
      'phase2.gbm',
      'phase2.logreg',
      'phase2.nn',
    ]);

    // A plan that turns a deploying stage's gate off keeps the gate: code decides, not the model.
    const ungated = keptDefault();
    const k8s = ungated.stages.find((st) => st.role === 'kubernetes-architect');
    if (!k8s) throw new Error('no stage');
    k8s.needsApproval = false;
    const kept = planned(clarified.project, ungated);
    expect(kept.project.plan?.stages.find((st) => st.role === 'kubernetes-architect')?.needsApproval).toBe(
      true,
    );
    expect(kept.project.decisions.at(-1)?.kind).toBe('plan');

    const broken = keptDefault();
    broken.stages.find((st) => st.id === 'phase2.python-pro')?.reads.push('phase2.ghost');
    const fellBack = planned(clarified.project, broken);
    const notice = fellBack.effects.find((e) => e.kind === 'thread_message' && e.view.type === 'notice');
    expect(JSON.stringify(notice)).toMatch(/Using the default plan: the tailored plan was invalid/);
    expect(JSON.stringify(notice)).toContain('phase2.ghost, which is not in the plan');
    expect(fellBack.project.decisions.at(-1)?.kind).toBe('plan_fallback');
  });

  it('goes on without an optional stage that failed, skipping what depends on it, and still summarises', () => {
    const tailored = keptDefault();
    tailored.stages = tailored.stages
      .slice(0, 4)
      .map((st) => (st.id === 'phase2.ml-engineer' ? { ...st, onFailure: 'continue' as const } : st));
    tailored.phases = tailored.phases.slice(0, 2);
    const clarified = clarifiedReady();
    let { project } = planned(clarified.project, tailored);
    project = finishStage(project, 'phase1.data-engineer').project;
    project = finishStage(project, 'phase1.data-scientist').project;
    const failed = failStage(project, 'phase2.ml-engineer', 'down');
    expect(failed.project.stages['phase2.python-pro']?.state).toBe('skipped');
    expect(failed.project.phase).toBe('summarizing');
    expect(jobs(failed.effects).map((j) => j.kind)).toEqual(['summary']);
  });

  it('flags a stage produced by the fallback model in its note and in the record', () => {
    const { project } = running();
    const done = step(project, {
      type: 'stage_done',
      eventId: 'd',
      projectId: project.id,
      stageId: 'phase1.data-engineer',
      attempt: 1,
      summary: 'ok',
      usage: ZERO_USAGE,
      model: 'claude-haiku-5-5',
      degraded: true,
      jobAttempts: 3,
    });
    expect(done.project.stages['phase1.data-engineer']).toMatchObject({
      degraded: true,
      model: 'claude-haiku-5-5',
      jobAttempts: 3,
    });
    const note = done.effects.find((e) => e.kind === 'thread_message' && e.view.type === 'stage_note');
    expect(
      note?.kind === 'thread_message' && note.view.type === 'stage_note' && note.view.fallbackModel,
    ).toBe('claude-haiku-5-5');
  });

  it('resumes a run cancelled while planning by planning again', () => {
    const opened = step(undefined, message('<@UBOT> churn', 'UREQ', true));
    const go = step(
      { ...opened.project, clarification: { ...opened.project.clarification, inFlight: false } },
      message('go'),
    );
    expect(go.project.phase).toBe('planning');
    const cancelled = step(go.project, message('cancel'));
    const late = planned(cancelled.project);
    expect(late.project.phase).toBe('cancelled');
    const resumed = step(late.project, message('resume'));
    expect(resumed.project.phase).toBe('planning');
    const planJobs = [...go.effects, ...resumed.effects].filter(
      (e) => e.kind === 'agent_job' && e.job.kind === 'plan',
    );
    expect(new Set(planJobs.map((e) => e.key)).size).toBe(2);
    expect(planned(resumed.project).project.phase).toBe('running');
  });

  it('puts queued stages back when the run stops, so resume starts them with a new attempt', () => {
    const tailored = keptDefault();
    const first = tailored.stages[0];
    if (!first) throw new Error('no stage');
    tailored.stages = [first, { ...first, id: 'phase1.second', task: 'second' }];
    tailored.phases = tailored.phases.slice(0, 1);
    const s1 = { ...settings, projectConcurrency: 2 };
    const opened = step(undefined, message('<@UBOT> churn', 'UREQ', true), s1);
    const go = step(
      { ...opened.project, clarification: { ...opened.project.clarification, inFlight: false } },
      message('go'),
      s1,
    );
    const { project } = planned(go.project, tailored, s1);
    expect(project.stages['phase1.second']?.state).toBe('queued');
    const started = step(
      project,
      {
        type: 'stage_started',
        eventId: 'st',
        projectId: project.id,
        stageId: 'phase1.data-engineer',
        attempt: 1,
      },
      s1,
    );
    const failed = failStage(started.project, 'phase1.data-engineer', 'x', s1);
    expect(failed.project.phase).toBe('failed');
    expect(failed.project.stages['phase1.second']).toMatchObject({ state: 'pending', attempt: 2 });
    const resumed = step(failed.project, message('resume'), s1);
    expect(jobs(resumed.effects)).toEqual([
      { kind: 'stage', projectId: project.id, stageId: 'phase1.data-engineer', attempt: 2 },
      { kind: 'stage', projectId: project.id, stageId: 'phase1.second', attempt: 2 },
    ]);
  });
});
