import { describe, expect, it } from 'vitest';
import { mayApprove, mayControl } from '../../src/domain/authority.js';
import type { Effect } from '../../src/domain/effects.js';
import type { OrchestratorEvent } from '../../src/domain/events.js';
import type { AgentJob } from '../../src/domain/jobs.js';
import { asTailoredPlan, defaultPlan } from '../../src/domain/plan.js';
import { PROJECT_LIST_CAPS, type Project } from '../../src/domain/project.js';
import { defaultRequirements } from '../../src/domain/requirements.js';
import { ZERO_USAGE } from '../../src/domain/usage.js';
import { applyEvent, type MachineSettings } from '../../src/orchestrator/run-machine.js';

/** The guards of the state machine: who may act, budgets, and records that stay bounded. Pure. */

const settings: MachineSettings = {
  approverIds: ['UAPP'],
  clarifyMaxRounds: 3,
  projectConcurrency: 3,
  now: 1_000,
  projectBudgetUsd: 10,
  workspaceDailyBudgetUsd: 100,
};
let seq = 0;

function step(project: Project | undefined, event: OrchestratorEvent, s = settings) {
  const t = applyEvent(project, event, s);
  if (!t.project) throw new Error('no project');
  return t as { project: Project; effects: Effect[] };
}

const say = (project: Project | undefined, text: string, userId = 'UREQ', extra: object = {}) =>
  step(project, {
    type: 'message',
    eventId: `m${++seq}`,
    teamId: 'T1',
    channelId: 'C1',
    threadTs: '100.1',
    ts: `100.${++seq}`,
    userId,
    text,
    addressed: project === undefined,
    ...extra,
  });

const jobs = (effects: Effect[]) => effects.flatMap((e) => (e.kind === 'agent_job' ? [e.job] : []));
const refusals = (effects: Effect[]) =>
  effects.flatMap((e) => (e.kind === 'ephemeral' && e.view.type === 'notice' ? [e.view.text] : []));
const origin = (p: Project) => ({ teamId: p.teamId, channelId: p.channelId, threadTs: p.threadTs });

/** A project whose run has started: the first stage is queued. */
function running(): Project {
  const opened = say(undefined, '<@UBOT> build a churn model').project;
  const clarified = step(opened, {
    type: 'clarify_done',
    eventId: `c${++seq}`,
    projectId: opened.id,
    round: 1,
    output: { ready: true, questions: [], requirements: defaultRequirements('churn'), assumptions: [] },
    usage: ZERO_USAGE,
  }).project;
  return step(clarified, {
    type: 'plan_done',
    eventId: `p${++seq}`,
    projectId: clarified.id,
    round: clarified.planRound,
    output: asTailoredPlan(defaultPlan(defaultRequirements('churn')), 'kept'),
    usage: ZERO_USAGE,
  }).project;
}

const refused = (project: Project, job: AgentJob, scope: 'project' | 'workspace' = 'project') =>
  step(project, {
    type: 'budget_exceeded',
    eventId: `b${++seq}`,
    projectId: project.id,
    scope,
    job,
    spentUsd: 9.6,
    limitUsd: 10,
    callUsd: 0.8,
  });

const budgetClick = (project: Project, verdict: 'raise' | 'stop', userId: string, round: number) =>
  step(project, {
    type: 'budget_decision',
    eventId: `bc${++seq}`,
    projectId: project.id,
    round,
    verdict,
    userId,
    origin: origin(project),
  });

describe('who may act (pure rules)', () => {
  const project = { teamId: 'T1', requesterId: 'UREQ' };
  it('lets the requester and approvers control a run, and tells anyone else who may', () => {
    expect(mayControl(project, { userId: 'UREQ' }, ['UAPP'], 'cancel').allowed).toBe(true);
    expect(mayControl(project, { userId: 'UAPP' }, ['UAPP'], 'cancel').allowed).toBe(true);
    expect(mayControl(project, { userId: 'UX' }, ['UAPP'], 'cancel')).toEqual({
      allowed: false,
      refusal:
        'Only <@UREQ>, who asked for this project, or an approver (<@UAPP>) can `cancel` this run. Nothing changed.',
    });
  });

  it('never lets another organisation, a guest or an unverified account control or approve', () => {
    for (const actor of [
      { userId: 'UAPP', userTeamId: 'T2' },
      { userId: 'UAPP', userKind: 'guest' as const },
      { userId: 'UAPP', userKind: 'unknown' as const },
    ]) {
      expect(mayControl(project, actor, ['UAPP'], 'resume').allowed).toBe(false);
      expect(mayApprove(project, actor, ['UAPP'], 'phase3.x').allowed).toBe(false);
    }
  });

  it('lets only the approvers approve once there are any, and the requester when there are none', () => {
    expect(mayApprove(project, { userId: 'UREQ' }, ['UAPP'], 'phase3.x').allowed).toBe(false);
    expect(mayApprove(project, { userId: 'UAPP' }, ['UAPP'], 'phase3.x').allowed).toBe(true);
    expect(mayApprove(project, { userId: 'UREQ' }, [], 'phase3.x').allowed).toBe(true);
  });
});

describe('state machine guards', () => {
  it('answers a stranger’s control with a refusal only they see, and changes nothing else', () => {
    const project = running();
    for (const command of [
      'cancel',
      'resume',
      'go',
      'retry phase1.data-engineer',
      'forget',
      'memory ml-engineer',
    ]) {
      const t = say(project, command, 'USTRANGER');
      expect(t.effects).toHaveLength(1);
      expect(refusals(t.effects)[0]).toMatch(/^Only <@UREQ>, who asked for this project, or an approver/);
      expect({ ...t.project, updatedAt: 0, recentEvents: [] }).toEqual({
        ...project,
        updatedAt: 0,
        recentEvents: [],
      });
    }
  });

  it('ignores a click whose message belongs to another thread', () => {
    const project = running();
    const t = step(project, {
      type: 'forget_decision',
      eventId: 'f1',
      projectId: project.id,
      confirmKey: 'forget.m1',
      verdict: 'forget',
      userId: 'UREQ',
      origin: { ...origin(project), threadTs: '999.9' },
    });
    expect(t.project.phase).toBe('running');
    expect(refusals(t.effects)).toEqual([
      'That button is not a live question of this project; nothing changed.',
    ]);
  });

  it('pauses a stage refused at the budget, asks once for every held stage, and re-runs them on Raise budget', () => {
    const project = running();
    const held = refused(project, {
      kind: 'stage',
      projectId: project.id,
      stageId: 'phase1.data-engineer',
      attempt: 1,
    });
    expect(held.project.budgetHold).toMatchObject({
      round: 1,
      scope: 'project',
      heldStages: ['phase1.data-engineer'],
    });
    expect(held.project.stages['phase1.data-engineer']).toMatchObject({ state: 'pending', attempt: 2 });
    expect(jobs(held.effects)).toEqual([]);
    const asked = held.effects.filter((e) => e.kind === 'thread_message' && e.view.type === 'budget');
    expect(asked).toHaveLength(1);

    // A refusal of a job that is no longer wanted changes nothing.
    const stale = refused(held.project, {
      kind: 'stage',
      projectId: project.id,
      stageId: 'phase1.data-engineer',
      attempt: 1,
    });
    expect(stale.effects).toEqual([]);

    expect(refusals(budgetClick(held.project, 'raise', 'USTRANGER', 1).effects)[0]).toContain(
      'can `raise the budget` this run',
    );
    expect(refusals(budgetClick(held.project, 'raise', 'UREQ', 2).effects)[0]).toContain('out of date');

    const raised = budgetClick(held.project, 'raise', 'UAPP', 1);
    expect(raised.project.budget).toEqual({ limitUsd: 20, baseUsd: 10 });
    expect(raised.project.budgetHold).toBeUndefined();
    expect(jobs(raised.effects)).toEqual([
      { kind: 'stage', projectId: project.id, stageId: 'phase1.data-engineer', attempt: 2 },
    ]);
  });

  it('raises a workspace ceiling through an effect, and Stop settles the run as stopped for resume', () => {
    const project = running();
    const held = refused(
      project,
      { kind: 'stage', projectId: project.id, stageId: 'phase1.data-engineer', attempt: 1 },
      'workspace',
    );
    const raised = budgetClick(held.project, 'raise', 'UREQ', 1);
    expect(raised.effects).toContainEqual(
      expect.objectContaining({ kind: 'raise_workspace_budget', teamId: 'T1', amountUsd: 100 }),
    );
    expect(raised.project.budget?.limitUsd).toBe(10);

    const stopped = budgetClick(held.project, 'stop', 'UREQ', 1);
    expect(stopped.project.phase).toBe('stopped');
    expect(jobs(stopped.effects)).toEqual([]);
    const resumed = say(stopped.project, 'resume');
    expect(jobs(resumed.effects).map((j) => (j.kind === 'stage' ? j.stageId : j.kind))).toEqual([
      'phase1.data-engineer',
    ]);
  });

  it('parks a running stage of a stopped run that was refused at the budget, so resume runs it again', () => {
    const project = running();
    const started = step(project, {
      type: 'stage_started',
      eventId: `st${++seq}`,
      projectId: project.id,
      stageId: 'phase1.data-engineer',
      attempt: 1,
    }).project;
    const stopped = say(started, 'cancel').project;
    const resumed = say(stopped, 'resume').project;
    expect(resumed.stages['phase1.data-engineer']).toMatchObject({ state: 'queued', attempt: 2 });

    // Stopped by a rejection elsewhere while the stage runs: its call is refused at the budget.
    const failedRun = { ...started, phase: 'stopped' as const };
    const parked = refused(failedRun, {
      kind: 'stage',
      projectId: project.id,
      stageId: 'phase1.data-engineer',
      attempt: 1,
    });
    expect(parked.project.budgetHold).toBeUndefined();
    expect(parked.project.stages['phase1.data-engineer']).toMatchObject({ state: 'pending', attempt: 2 });
    expect(jobs(say(parked.project, 'resume').effects)).toEqual([
      { kind: 'stage', projectId: project.id, stageId: 'phase1.data-engineer', attempt: 2 },
    ]);
  });

  it('holds the project manager’s work too, and asks for it again once raised', () => {
    const opened = say(undefined, '<@UBOT> build a churn model').project;
    const held = refused(opened, { kind: 'clarify', projectId: opened.id, round: 1 });
    expect(held.project.clarification.inFlight).toBe(false);
    // An answer while paused waits for the raise instead of calling the model.
    const answered = say(held.project, 'the data is in BigQuery');
    expect(jobs(answered.effects)).toEqual([]);
    const raised = budgetClick(answered.project, 'raise', 'UREQ', 1);
    expect(jobs(raised.effects)).toEqual([{ kind: 'clarify', projectId: opened.id, round: 2 }]);
  });

  it('keeps the decision list and the transcript bounded', () => {
    let project = running();
    for (let i = 0; i < PROJECT_LIST_CAPS.decisions + 20; i++) {
      project = say(project, 'cancel').project;
      project = say(project, 'resume').project;
    }
    expect(project.decisions).toHaveLength(PROJECT_LIST_CAPS.decisions);
    expect(project.decisions.at(-1)?.kind).toBe('resume');

    let asking = say(undefined, '<@UBOT> build a churn model').project;
    for (let i = 0; i < PROJECT_LIST_CAPS.transcript + 10; i++)
      asking = say(asking, `answer ${i} ${'x'.repeat(9_000)}`).project;
    expect(asking.clarification.transcript).toHaveLength(PROJECT_LIST_CAPS.transcript);
    expect(
      asking.clarification.transcript.every((t) => t.text.length <= PROJECT_LIST_CAPS.transcriptEntryChars),
    ).toBe(true);
  });
});
