import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.js';
import { renderView } from '../../src/bot/views/render.js';
import { countApproval, describeWait, gateSchedule, gateTimerEvent } from '../../src/domain/approval.js';
import { mayApprove } from '../../src/domain/authority.js';
import type { Effect } from '../../src/domain/effects.js';
import type { OrchestratorEvent } from '../../src/domain/events.js';
import { asTailoredPlan, defaultPlan } from '../../src/domain/plan.js';
import type { Project } from '../../src/domain/project.js';
import { defaultRequirements } from '../../src/domain/requirements.js';
import { ZERO_USAGE } from '../../src/domain/usage.js';
import type { GateView, View } from '../../src/domain/views.js';
import { applyEvent, type MachineSettings } from '../../src/orchestrator/run-machine.js';

/** The pure parts of approvals: the quorum, who may approve, the gate's timers, what a gate shows. */

const GATE = 'phase3.mlops-engineer';
const HOUR = 60 * 60 * 1000;

const base: MachineSettings = {
  approverIds: ['UA', 'UB'],
  clarifyMaxRounds: 3,
  projectConcurrency: 3,
  now: 1_000,
  approvals: { required: 2, gateTimeoutMs: 2 * HOUR },
  forecast: {
    price: { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
    stagePromptTokens: 1_000,
    inputTokenBudget: 1_000,
    memoryTokenBudget: 500,
  },
};
let seq = 0;

function step(project: Project | undefined, event: OrchestratorEvent, s: MachineSettings = base) {
  const t = applyEvent(project, event, s);
  if (!t.project) throw new Error('no project');
  return t as { project: Project; effects: Effect[] };
}

const origin = (p: Project) => ({ teamId: p.teamId, channelId: p.channelId, threadTs: p.threadTs });

/** A run at its first gate (every stage before it done, one of them naming risks), and the gate's effects. */
function atGate(s: MachineSettings = base): { project: Project; effects: Effect[] } {
  let t = step(
    undefined,
    {
      type: 'message',
      eventId: `m${++seq}`,
      teamId: 'T1',
      channelId: 'C1',
      threadTs: '100.1',
      ts: '100.1',
      userId: 'UREQ',
      text: '<@UBOT> build a churn model',
      addressed: true,
    },
    s,
  );
  t = step(
    t.project,
    {
      type: 'clarify_done',
      eventId: `c${++seq}`,
      projectId: t.project.id,
      round: 1,
      output: { ready: true, questions: [], requirements: defaultRequirements('churn'), assumptions: [] },
      usage: ZERO_USAGE,
    },
    s,
  );
  t = step(
    t.project,
    {
      type: 'plan_done',
      eventId: `p${++seq}`,
      projectId: t.project.id,
      round: t.project.planRound,
      output: asTailoredPlan(defaultPlan(defaultRequirements('churn')), 'kept'),
      usage: ZERO_USAGE,
    },
    s,
  );
  while (t.project.stages[GATE]?.state !== 'awaiting_approval') {
    const [id, run] = Object.entries(t.project.stages).find(([, r]) => r.state === 'queued') ?? [];
    if (!id || !run) throw new Error('nothing queued before the gate');
    t = step(
      t.project,
      {
        type: 'stage_done',
        eventId: `d${++seq}`,
        projectId: t.project.id,
        stageId: id,
        attempt: run.attempt,
        summary: `${id} done`,
        risks: id === 'phase2.python-pro' ? ['Latency budget is tight at peak <!channel>'] : [],
        usage: { ...ZERO_USAGE, costUsd: 0.25 },
        model: 'claude-test',
        degraded: false,
        jobAttempts: 1,
      },
      s,
    );
  }
  return t;
}

const click = (
  project: Project,
  userId: string,
  verdict: 'approve' | 'reject' = 'approve',
  s: MachineSettings = base,
  extra: Partial<Extract<OrchestratorEvent, { type: 'gate_decision' }>> = {},
) =>
  step(
    project,
    {
      type: 'gate_decision',
      eventId: `g${++seq}`,
      projectId: project.id,
      stageId: GATE,
      attempt: project.stages[GATE]?.attempt ?? 1,
      gateRound: project.stages[GATE]?.gateRound ?? 1,
      verdict,
      userId,
      origin: origin(project),
      ...extra,
    },
    s,
  );

const timer = (project: Project, kind: 'reminder' | 'expiry', s: MachineSettings = base, round?: number) =>
  step(
    project,
    gateTimerEvent(project.id, {
      stageId: GATE,
      attempt: project.stages[GATE]?.attempt ?? 1,
      gateRound: round ?? project.stages[GATE]?.gateRound ?? 1,
      timer: kind,
    }),
    s,
  );

const gateViews = (effects: Effect[]): GateView[] =>
  effects.flatMap((e) => (e.kind === 'thread_message' && e.view.type === 'gate' ? [e.view] : []));
const posted = (effects: Effect[]): View[] =>
  effects.flatMap((e) => (e.kind === 'thread_message' ? [e.view] : []));
const refusals = (effects: Effect[]) =>
  effects.flatMap((e) => (e.kind === 'ephemeral' && e.view.type === 'notice' ? [e.view.text] : []));
const dms = (effects: Effect[]) => effects.flatMap((e) => (e.kind === 'direct_messages' ? [e] : []));

describe('the quorum (pure)', () => {
  it('counts each person once and says when the quorum is met', () => {
    const one = countApproval([], 'UA', 1, 2);
    expect(one).toEqual({ kind: 'counted', approvals: [{ by: 'UA', at: 1 }], met: false });
    expect(countApproval(one.approvals, 'UA', 2, 2).kind).toBe('already');
    expect(countApproval(one.approvals, 'UB', 3, 2)).toMatchObject({ kind: 'counted', met: true });
    expect(countApproval([], 'UA', 1, 1)).toMatchObject({ met: true });
  });

  it('reminds at half time and expires at the end; says the wait in words', () => {
    expect(gateSchedule(1_000, 72 * HOUR)).toEqual({
      remindAt: 1_000 + 36 * HOUR,
      expiresAt: 1_000 + 72 * HOUR,
    });
    expect(describeWait(72 * HOUR)).toBe('72 hours');
    expect(describeWait(1.5 * HOUR)).toBe('1.5 hours');
    expect(describeWait(HOUR)).toBe('1 hour');
    expect(describeWait(0.002 * HOUR)).toBe('7.2 seconds');
  });
});

describe('who may approve (pure)', () => {
  const project = { teamId: 'T1', requesterId: 'UREQ' };
  it('lets members of the group approve when Slack listed them, and names the group when refusing', () => {
    const rules = { groupId: 'SGROUP1' };
    expect(mayApprove(project, { userId: 'UM', inApproverGroup: true }, [], GATE, rules).allowed).toBe(true);
    const refused = mayApprove(project, { userId: 'UX', inApproverGroup: false }, [], GATE, rules);
    expect(refused).toEqual({
      allowed: false,
      refusal: `Only members of <!subteam^SGROUP1> can approve or reject \`${GATE}\`. Nothing changed.`,
    });
    // Not looked up is not a member; the requester is no approver once a group is configured.
    expect(mayApprove(project, { userId: 'UM' }, [], GATE, rules).allowed).toBe(false);
    expect(mayApprove(project, { userId: 'UREQ' }, [], GATE, rules).allowed).toBe(false);
    expect(mayApprove(project, { userId: 'UA' }, ['UA'], GATE, rules).allowed).toBe(true);
    expect(mayApprove(project, { userId: 'UX', inApproverGroup: false }, ['UA'], GATE, rules)).toMatchObject({
      refusal: expect.stringContaining('Only <@UA> or members of <!subteam^SGROUP1>'),
    });
  });

  it('with self-approval off, lets the requester reject but not approve, even as an approver', () => {
    const rules = { allowSelfApproval: false };
    const approve = mayApprove(project, { userId: 'UREQ' }, ['UREQ', 'UA'], GATE, rules, 'approve');
    expect(approve.allowed).toBe(false);
    expect(approve).toMatchObject({ refusal: expect.stringContaining('ALLOW_SELF_APPROVAL is off') });
    expect(mayApprove(project, { userId: 'UREQ' }, ['UREQ', 'UA'], GATE, rules, 'reject').allowed).toBe(true);
    expect(mayApprove(project, { userId: 'UA' }, ['UREQ', 'UA'], GATE, rules, 'approve').allowed).toBe(true);
  });

  it('refuses settings no gate could satisfy at start-up', () => {
    expect(() => loadConfig({ APPROVALS_REQUIRED: '2' })).toThrow(/APPROVALS_REQUIRED/);
    expect(() => loadConfig({ APPROVER_IDS: 'U1', APPROVALS_REQUIRED: '2' })).toThrow(/names 1/);
    expect(() => loadConfig({ ALLOW_SELF_APPROVAL: 'false' })).toThrow(/nobody could approve/);
    expect(() => loadConfig({ APPROVER_GROUP: 'not-a-group' })).toThrow(/APPROVER_GROUP/);
    const c = loadConfig({ APPROVER_GROUP: 'S0ABC', APPROVALS_REQUIRED: '3', GATE_TIMEOUT_HOURS: '0.0005' });
    expect(c.approvals).toEqual({
      groupId: 'S0ABC',
      required: 3,
      allowSelfApproval: true,
      gateTimeoutMs: 1_800,
    });
    expect(loadConfig({}).approvals).toMatchObject({
      required: 1,
      allowSelfApproval: true,
      gateTimeoutMs: 72 * HOUR,
    });
  });
});

describe('a gate round (state machine)', () => {
  it('opens with its risks, spend, forecast, deciders and deadline, sets its timers and writes to the approvers', () => {
    const { project, effects } = atGate();
    const [view] = gateViews(effects);
    expect(view).toMatchObject({
      stageId: GATE,
      approverIds: ['UA', 'UB'],
      approvals: [],
      approvalsRequired: 2,
      risks: [{ stageId: 'phase2.python-pro', text: 'Latency budget is tight at peak <!channel>' }],
      spend: { spentUsd: 1, budgetUsd: 10 },
      expiresAt: 1_000 + 2 * HOUR,
    });
    expect(view?.spend?.restForecastUsd).toBeGreaterThan(0);
    expect(effects.filter((e) => e.kind === 'gate_timer')).toEqual([
      expect.objectContaining({ timer: 'reminder', fireAt: 1_000 + HOUR, gateRound: 1 }),
      expect.objectContaining({ timer: 'expiry', fireAt: 1_000 + 2 * HOUR, gateRound: 1 }),
    ]);
    expect(dms(effects)).toEqual([
      expect.objectContaining({ userIds: ['UA', 'UB'], linkTo: `gate.${GATE}.1.1` }),
    ]);
    expect(project.stages[GATE]?.gateOpenedAt).toBe(1_000);

    // Rendered, the risk is escaped (it cannot ping) and the deadline and spend are said.
    const rendered = JSON.stringify(renderView(view as View).blocks);
    expect(rendered).toContain('&lt;!channel&gt;');
    expect(rendered).not.toContain('<!channel>');
    expect(rendered).toContain('Spent so far: $1.00 of the $10.00 budget');
    expect(rendered).toContain('Needs 2 approvers.');
  });

  it('keeps its buttons until the quorum is met, counts a second click once, and opens the stage on the second approver', () => {
    const gate = atGate().project;
    const first = click(gate, 'UA');
    expect(first.project.stages[GATE]?.state).toBe('awaiting_approval');
    const [partial] = gateViews(first.effects);
    expect(partial?.approvals?.map((a) => a.by)).toEqual(['UA']);
    expect(partial?.decision).toBeUndefined();
    expect(JSON.stringify(renderView(partial as View).blocks)).toContain('approved by <@UA> · 1 of 2');

    const again = click(first.project, 'UA');
    expect(refusals(again.effects)).toEqual([expect.stringContaining('already approved')]);
    expect(again.project.stages[GATE]?.approvals).toHaveLength(1);

    const second = click(again.project, 'UB');
    expect(second.project.stages[GATE]?.decision).toMatchObject({ verdict: 'approved', by: 'UB' });
    expect(second.effects.some((e) => e.kind === 'agent_job' && e.job.kind === 'stage')).toBe(true);
    expect(second.effects).toContainEqual(
      expect.objectContaining({ kind: 'cancel_gate_timers', gateRound: 1 }),
    );
    // The requester hears of it, since someone else decided.
    expect(dms(second.effects)).toEqual([expect.objectContaining({ userIds: ['UREQ'] })]);
  });

  it('rejects at once on a Reject from any approver, whatever approvals came before', () => {
    const partly = click(atGate().project, 'UA').project;
    const rejected = click(partly, 'UB', 'reject');
    expect(rejected.project.stages[GATE]?.state).toBe('rejected');
    expect(rejected.project.phase).toBe('stopped');
  });

  it('reminds the configured approvers who have not approved, and only them', () => {
    const partly = click(atGate().project, 'UA').project;
    const { effects } = timer(partly, 'reminder');
    expect(posted(effects)).toEqual([
      expect.objectContaining({
        type: 'gate_reminder',
        mentionUserIds: ['UB'],
        approvals: 1,
        approvalsRequired: 2,
      }),
    ]);
  });

  it('expires as not approved and stops the run; a stale timer does nothing; retry opens a new round with new timers', () => {
    const gate = atGate().project;
    const expired = timer(gate, 'expiry');
    expect(expired.project.stages[GATE]).toMatchObject({
      state: 'rejected',
      error: 'not approved within 2 hours',
    });
    expect(expired.project.phase).toBe('stopped');
    expect(gateViews(expired.effects)[0]?.closedReason).toBe('not approved within 2 hours, so it expired');
    expect(expired.project.decisions.at(-1)?.kind).toBe('gate_expired');

    const stale = timer(expired.project, 'reminder');
    expect(stale.effects).toEqual([]);

    const retried = step(expired.project, {
      type: 'message',
      eventId: `m${++seq}`,
      teamId: 'T1',
      channelId: 'C1',
      threadTs: '100.1',
      ts: `100.${++seq}`,
      userId: 'UREQ',
      text: `retry ${GATE}`,
      addressed: false,
    });
    expect(retried.project.stages[GATE]).toMatchObject({
      state: 'awaiting_approval',
      attempt: 2,
      approvals: [],
    });
    expect(retried.effects.filter((e) => e.kind === 'gate_timer')).toHaveLength(2);
    // The first round's timer, were it still to fire, does nothing to the new round.
    expect(timer(retried.project, 'expiry', base, 1).project.stages[GATE]?.state).toBe('awaiting_approval');
  });

  it('writes to nobody when no approver is configured (the requester decides in the thread)', () => {
    const { effects } = atGate({ ...base, approverIds: [], approvals: {} });
    expect(dms(effects)).toEqual([]);
  });
});
