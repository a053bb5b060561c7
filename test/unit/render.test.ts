import { describe, expect, it } from 'vitest';
import { capBlocks, section } from '../../src/bot/views/blocks.js';
import { GATE_ACTIONS } from '../../src/bot/views/gate.js';
import { OFFLINE_MARK_TEXT, withOfflineMark } from '../../src/bot/views/offline.js';
import { renderView } from '../../src/bot/views/render.js';
import { renderStatus } from '../../src/bot/views/run.js';
import { escapeKeepingUserMentions, escapeText, LIMITS, splitForSections } from '../../src/bot/views/text.js';
import { defaultPlan } from '../../src/domain/plan.js';
import { defaultRequirements } from '../../src/domain/requirements.js';
import { ZERO_USAGE } from '../../src/domain/usage.js';
import type { StatusView, View } from '../../src/domain/views.js';
import { maximalSummary, summaryAnswer } from '../support/summaries.js';

type AnyBlock = Record<string, unknown> & { type: string };

/** Every text in the blocks, with the limit that applies to it. */
function checkLimits(blocks: readonly unknown[]): string[] {
  const problems: string[] = [];
  if (blocks.length > LIMITS.blocks) problems.push(`${blocks.length} blocks`);
  for (const raw of blocks as AnyBlock[]) {
    const text = (raw.text as { text?: string } | undefined)?.text ?? '';
    if (raw.type === 'section' && (text.length === 0 || text.length > LIMITS.sectionText))
      problems.push(`section ${text.length}`);
    if (raw.type === 'header' && text.length > LIMITS.headerText) problems.push(`header ${text.length}`);
    if (raw.type === 'actions') {
      for (const el of raw.elements as Array<{ text: { text: string }; value: string; action_id: string }>) {
        if (el.text.text.length > LIMITS.buttonText) problems.push('button text');
        if (el.value.length > LIMITS.buttonValue) problems.push('button value');
        if (el.action_id.length > LIMITS.actionId) problems.push('action_id');
      }
    }
  }
  return problems;
}

const hugeText = 'word '.repeat(5000);

describe('escaping', () => {
  it('neutralises broadcasts and links in model or user text', () => {
    expect(escapeText('<!channel> & <!here> <https://x|y>')).toBe(
      '&lt;!channel&gt; &amp; &lt;!here&gt; &lt;https://x|y&gt;',
    );
  });

  it('keeps user mentions we wrote but never a broadcast', () => {
    expect(escapeKeepingUserMentions('by <@U123ABC> <!everyone>')).toBe('by <@U123ABC> &lt;!everyone&gt;');
  });
});

describe('Block Kit rendering within Slack limits', () => {
  it('keeps a huge summary under section and block limits and says completed', () => {
    const msg = renderView({
      type: 'summary',
      summary: {
        ...maximalSummary(
          'word <!channel> ',
          Array.from({ length: 40 }, (_, i) => `phase1.s${i}`),
        ),
        resources: {
          people: `<!channel>${hugeText.slice(0, 390)}`,
          infrastructure: hugeText.slice(0, 400),
          ongoingCost: hugeText.slice(0, 400),
          costUsd: 12.5,
        },
      },
      usage: ZERO_USAGE,
      stageCount: 40,
      degradedStages: [],
      failedStages: [],
    });
    expect(checkLimits(msg.blocks)).toEqual([]);
    expect(msg.text).toMatch(/completed/);
    expect(JSON.stringify(msg.blocks)).not.toContain('<!channel>');
  });

  it('renders a gate with Approve and Reject buttons and, once decided, without them', () => {
    const gate = {
      type: 'gate' as const,
      projectId: 'T1-C1-1.2',
      attempt: 1,
      gateRound: 1,
      stageId: 'phase3.mlops-engineer',
      role: 'mlops-engineer',
      task: hugeText,
      basis: [{ stageId: 'phase2.ml-engineer', summary: hugeText }],
      approverIds: ['U1'],
    };
    const open = renderView(gate);
    expect(checkLimits(open.blocks)).toEqual([]);
    const actions = open.blocks.find((b) => b.type === 'actions') as AnyBlock | undefined;
    const buttons = (actions?.elements ?? []) as Array<{ text: { text: string }; action_id: string }>;
    expect(buttons.map((e) => e.text.text)).toEqual(['Approve', 'Reject']);
    expect(buttons.map((e) => e.action_id)).toEqual([GATE_ACTIONS.approve, GATE_ACTIONS.reject]);

    const decided = renderView({
      ...gate,
      decision: { verdict: 'approved', by: 'U1', at: Date.UTC(2026, 0, 2, 3, 4) },
    });
    expect(decided.blocks.some((b) => b.type === 'actions')).toBe(false);
    expect(JSON.stringify(decided.blocks)).toContain('Approved by <@U1>');
  });

  it('renders the plan of any length within limits, naming gated stages', () => {
    const req = defaultRequirements(hugeText);
    const msg = renderView({
      type: 'plan',
      plan: defaultPlan(req),
      requirements: req,
      assumptions: [hugeText],
      defaultsUsed: true,
    });
    expect(checkLimits(msg.blocks)).toEqual([]);
    expect(JSON.stringify(msg.blocks)).toContain('needs approval');
  });

  it('lists every stage in a status of 40 stages, within 50 blocks', () => {
    const view: StatusView = {
      type: 'status',
      phase: 'completed',
      usage: ZERO_USAGE,
      stages: Array.from({ length: 40 }, (_, i) => ({
        id: `phase1.stage-${i}`,
        role: 'data-engineer',
        phase: 1,
        state: 'done' as const,
        needsApproval: false,
        summary: hugeText,
      })),
    };
    const msg = renderStatus(view);
    expect(checkLimits(msg.blocks)).toEqual([]);
    for (let i = 0; i < 40; i++) expect(msg.text).toContain(`phase1.stage-${i}: done`);
    expect(msg.text).toMatch(/completed/);
  });

  it('caps blocks under 50, leaving room for a footer, and says how many were left out', () => {
    const capped = capBlocks(Array.from({ length: 80 }, () => section('x')));
    expect(capped).toHaveLength(49);
    expect(JSON.stringify(capped.at(-1))).toContain('32 more');
  });

  it('splits long text at paragraph breaks into sections that fit', () => {
    const parts = splitForSections(`${'a'.repeat(2000)}\n\n${'b'.repeat(2000)}\n\n${'c'.repeat(10)}`);
    expect(parts).toEqual(['a'.repeat(2000), `${'b'.repeat(2000)}\n\n${'c'.repeat(10)}`]);
  });
});

describe('no broadcast from model or user text', () => {
  const ping = 'see <!channel> and <!here|here> and <!everyone> and <!subteam^S123>';
  const req = {
    ...defaultRequirements(ping),
    dataSources: [ping],
    targetMetric: ping,
    baseline: ping,
    successCriteria: [ping],
  };
  const plan = defaultPlan(req);
  for (const stage of plan.stages) stage.task = `${stage.task} ${ping}`;
  const views = [
    { type: 'questions' as const, round: 1, maxRounds: 3, questions: [ping], assumptions: [ping] },
    { type: 'plan' as const, plan, requirements: req, assumptions: [ping], defaultsUsed: false },
    {
      type: 'status' as const,
      phase: 'running' as const,
      usage: ZERO_USAGE,
      stages: [
        {
          id: 'phase1.x',
          role: 'data-engineer',
          phase: 1,
          state: 'done' as const,
          needsApproval: false,
          summary: ping,
        },
      ],
    },
    {
      type: 'stage_note' as const,
      stageId: 'phase1.x',
      role: 'data-engineer',
      outcome: 'done' as const,
      text: ping,
    },
    {
      type: 'gate' as const,
      projectId: 'p',
      attempt: 1,
      gateRound: 1,
      stageId: 'phase3.x',
      role: 'mlops-engineer',
      task: ping,
      basis: [{ stageId: 'phase2.y', summary: ping }],
      approverIds: ['U1'],
    },
    {
      type: 'summary' as const,
      summary: summaryAnswer({
        headline: ping,
        deliverables: [{ stageId: 'phase1.x', line: ping }],
        criteria: [{ criterion: ping, status: 'met', evidence: ping, stages: ['phase1.x'] }],
        businessImpact: { summary: ping, roi: { estimate: ping, assumptions: [ping] }, stages: [] },
        risks: [{ risk: ping, mitigation: ping, stages: [] }],
        resources: { people: ping, infrastructure: ping, ongoingCost: ping },
        nextSteps: [{ step: ping, owner: ping, stages: [] }],
      }),
      usage: ZERO_USAGE,
      stageCount: 1,
      degradedStages: [],
      failedStages: [],
    },
  ];

  it.each(views.map((v) => [v.type, v] as const))(
    '%s escapes broadcasts in blocks and fallback text',
    (_t, view) => {
      const msg = renderView(view);
      for (const m of [msg, ...(msg.withoutTables ? [msg.withoutTables] : [])]) {
        const all = `${m.text}\n${JSON.stringify(m.blocks)}`;
        expect(all).not.toMatch(/<!(channel|here|everyone|subteam)/);
        // mrkdwn escapes it; a table's raw text shows it with its angle brackets swapped for ‹ ›.
        expect(all).toMatch(/&lt;!channel&gt;|‹!channel›/);
      }
    },
  );
});

describe('memory and forget views', () => {
  it('renders a role with lots of memory within Slack limits, escaping what agents wrote', () => {
    const msg = renderView({
      type: 'memory',
      role: 'data-engineer',
      counts: { history: 50, insights: 200, unreadMessages: 100 },
      history: Array.from({ length: 50 }, () => ({
        outcome: 'success',
        task: hugeText,
        source: 'p · s · 2026-11-21',
      })),
      insights: Array.from({ length: 50 }, () => ({
        area: 'ingestion',
        insight: `${hugeText}<!channel>`,
        impact: 'high',
        confidence: 0.9,
        source: 'p · s',
      })),
      collaborators: [{ role: 'data-scientist', tasks: 3, successes: 2 }],
      messages: Array.from({ length: 50 }, () => ({
        from: 'ml-engineer',
        type: 'warning',
        priority: 'high',
        text: hugeText,
      })),
    });
    expect(checkLimits(msg.blocks)).toEqual([]);
    expect(JSON.stringify(msg.blocks)).not.toContain('<!channel>');
    expect(JSON.stringify(msg.blocks)).toContain('What data-engineer remembers');
  });

  it('asks to forget with two buttons, and shows the decision without them', () => {
    const open = renderView({
      type: 'forget_confirm',
      projectId: 'p',
      confirmKey: 'forget.Ev1',
      askedBy: 'U1',
    });
    const actions = open.blocks.find((b) => b.type === 'actions') as AnyBlock | undefined;
    const buttons = (actions?.elements ?? []) as Array<{ text: { text: string }; value: string }>;
    expect(buttons.map((b) => b.text.text)).toEqual(['Forget this project', 'Keep it']);
    expect(JSON.parse(buttons[0]?.value ?? '{}')).toEqual({ projectId: 'p', confirmKey: 'forget.Ev1' });
    const decided = renderView({
      type: 'forget_confirm',
      projectId: 'p',
      confirmKey: 'forget.Ev1',
      askedBy: 'U1',
      decision: { verdict: 'kept', by: 'U2', at: 1 },
    });
    expect(decided.blocks.some((b) => b.type === 'actions')).toBe(false);
    expect(JSON.stringify(decided.blocks)).toContain('Kept by <@U2>');
  });
});

describe('the offline mark', () => {
  const offline = { offlineModel: true };
  const req = defaultRequirements(hugeText);
  const views: View[] = [
    { type: 'welcome', requesterId: 'U1' },
    { type: 'plan', plan: defaultPlan(req), requirements: req, assumptions: [hugeText], defaultsUsed: true },
    {
      type: 'status',
      phase: 'running',
      usage: ZERO_USAGE,
      stages: Array.from({ length: 40 }, (_, i) => ({
        id: `phase1.stage-${i}`,
        role: 'data-engineer',
        phase: 1,
        state: 'done' as const,
        needsApproval: false,
        summary: hugeText,
      })),
    },
    { type: 'notice', tone: 'info', text: hugeText, detail: hugeText },
    { type: 'stage_note', stageId: 'phase1.x', role: 'data-engineer', outcome: 'done', text: hugeText },
  ];

  it.each(views.map((v) => [v.type, v] as const))(
    '%s ends with the mark in its blocks and its text, within Slack limits',
    (_t, view) => {
      const msg = renderView(view, offline);
      expect(checkLimits(msg.blocks)).toEqual([]);
      expect(JSON.stringify(msg.blocks.at(-1))).toContain('Offline model');
      expect(msg.text.endsWith(OFFLINE_MARK_TEXT)).toBe(true);
      expect(msg.text.length).toBeLessThanOrEqual(LIMITS.fallbackText);
      const online = renderView(view);
      expect(`${online.text}${JSON.stringify(online.blocks)}`).not.toContain('Offline model');
    },
  );

  it('takes the last place of a message that already has 50 blocks', () => {
    const full = { text: 'x', blocks: Array.from({ length: 50 }, () => section('x')) };
    const marked = withOfflineMark(full, offline);
    expect(marked.blocks).toHaveLength(50);
    expect(JSON.stringify(marked.blocks.at(-1))).toContain('Offline model');
  });
});
