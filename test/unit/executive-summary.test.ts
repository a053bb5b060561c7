import { describe, expect, it } from 'vitest';
import { renderView } from '../../src/bot/views/render.js';
import { renderSummary } from '../../src/bot/views/summary.js';
import { LIMITS } from '../../src/bot/views/text.js';
import { orchestratorEventSchema } from '../../src/domain/events.js';
import {
  executiveSummarySchema,
  NOT_ASSESSED,
  SUMMARY_CAPS,
  settleSummary,
  summaryAnswerSchema,
  traceSummary,
} from '../../src/domain/executive-summary.js';
import { fallbackSummary } from '../../src/domain/fallback-summary.js';
import { defaultPlan } from '../../src/domain/plan.js';
import { newProject, projectSchema } from '../../src/domain/project.js';
import { buildReport } from '../../src/domain/report.js';
import { stageAnchor } from '../../src/domain/report-summary.js';
import { defaultRequirements } from '../../src/domain/requirements.js';
import { ZERO_USAGE } from '../../src/domain/usage.js';
import { type View, viewSchema } from '../../src/domain/views.js';
import { blockKitErrors } from '../../src/playground/slack-api/block-kit-limits.js';
import { FIXTURE_REQUIREMENTS } from '../support/fixtures.js';
import { maximalSummary, summaryAnswer } from '../support/summaries.js';

const PLAN = defaultPlan(FIXTURE_REQUIREMENTS);
const IDS = PLAN.stages.map((s) => s.id);
const [FIRST = '', SECOND = ''] = IDS;

/** The summary shape of the first release, as projects stored before this change hold it. */
const LEGACY = {
  outcome: 'partially_met',
  headline: 'Most of it delivered',
  deliverables: [{ stageId: FIRST, line: 'ingestion designed' }],
  criteria: [{ criterion: 'AUC ≥ 0.85', met: false, evidence: 'e'.repeat(600) }],
  risks: ['Labels arrive late'],
  nextSteps: ['Measure the baseline'],
};

/** A new project in a channel, before anything was said about it. */
function blankProject() {
  return newProject({
    teamId: 'T1',
    channelId: 'C1',
    threadTs: '1.2',
    requesterId: 'U1',
    request: 'x',
    now: 1,
  });
}

describe('the summary schema', () => {
  it('reads a summary stored in the old shape, and a project record holding one still loads', () => {
    const upgraded = executiveSummarySchema.parse(LEGACY);
    expect(upgraded.criteria).toEqual([
      { criterion: 'AUC ≥ 0.85', status: 'not_met', evidence: 'e'.repeat(SUMMARY_CAPS.evidence), stages: [] },
    ]);
    expect(upgraded.risks).toEqual([{ risk: 'Labels arrive late', mitigation: NOT_ASSESSED, stages: [] }]);
    expect(upgraded.nextSteps).toEqual([{ step: 'Measure the baseline', stages: [] }]);
    expect(upgraded.businessImpact.summary).toBe(NOT_ASSESSED);
    expect(upgraded.resources.people).toBe(NOT_ASSESSED);

    const old = {
      ...blankProject(),
      phase: 'completed',
      summary: LEGACY,
    };
    const loaded = projectSchema.parse(JSON.parse(JSON.stringify(old)));
    expect(loaded.summary?.criteria[0]?.status).toBe('not_met');
    // A summary message or a summary_done event queued before the change is still carried out.
    const view = viewSchema.parse({
      type: 'summary',
      summary: LEGACY,
      usage: ZERO_USAGE,
      stageCount: 1,
      degradedStages: [],
      failedStages: [],
    });
    expect(view.type === 'summary' && view.summary.risks[0]?.mitigation).toBe(NOT_ASSESSED);
    const event = orchestratorEventSchema.parse({
      type: 'summary_done',
      eventId: 'e1',
      projectId: 'p1',
      round: 1,
      summary: LEGACY,
      usage: ZERO_USAGE,
    });
    expect(event.type === 'summary_done' && event.summary.nextSteps[0]?.step).toBe('Measure the baseline');
  });

  it('asks the model for every field, and never takes the spent amount from it', () => {
    const answer = summaryAnswerSchema.parse({
      ...summaryAnswer(),
      resources: { people: 'p', infrastructure: 'i', ongoingCost: 'o', costUsd: 0.01 },
    });
    expect(answer.resources).toEqual({ people: 'p', infrastructure: 'i', ongoingCost: 'o' });
    const { businessImpact: _, ...withoutImpact } = summaryAnswer();
    expect(summaryAnswerSchema.safeParse(withoutImpact).success).toBe(false);
    const tooMany = summaryAnswer({
      risks: Array.from({ length: SUMMARY_CAPS.risks + 1 }, () => ({
        risk: 'r',
        mitigation: 'm',
        stages: [],
      })),
    });
    expect(summaryAnswerSchema.safeParse(tooMany).success).toBe(false);
  });
});

describe('tracing claims to stages', () => {
  it('drops stage ids the plan does not have, folds repeats, and says which went', () => {
    const { summary, dropped } = traceSummary(
      summaryAnswer({
        deliverables: [
          { stageId: FIRST, line: 'ok' },
          { stageId: 'phase9.ghost', line: 'invented' },
        ],
        criteria: [{ criterion: 'c', status: 'met', evidence: 'e', stages: [FIRST, 'phase7.bogus', FIRST] }],
        risks: [{ risk: 'r', mitigation: 'm', stages: ['phase7.bogus'] }],
        nextSteps: [{ step: 's', stages: [SECOND, 'not-a-stage'] }],
        businessImpact: {
          summary: 'b',
          roi: { estimate: 'x', assumptions: [] },
          stages: [SECOND, 'phase7.bogus'],
        },
      }),
      IDS,
    );
    expect(summary.deliverables.map((d) => d.stageId)).toEqual([FIRST]);
    expect(summary.criteria[0]?.stages).toEqual([FIRST]);
    expect(summary.risks[0]?.stages).toEqual([]);
    expect(summary.nextSteps[0]?.stages).toEqual([SECOND]);
    expect(summary.businessImpact.stages).toEqual([SECOND]);
    expect(dropped.sort()).toEqual(['not-a-stage', 'phase7.bogus', 'phase9.ghost']);
  });

  it('stores what the run spent from its usage, whatever the answer said', () => {
    const claimed = { ...summaryAnswer(), resources: { ...summaryAnswer().resources, costUsd: 999 } };
    expect(settleSummary(claimed, IDS, 1.23).summary.resources.costUsd).toBe(1.23);
  });

  it('the summary made without the model has the same shape, traced, with the stages to retry', () => {
    const p = blankProject();
    p.requirements = FIXTURE_REQUIREMENTS;
    p.plan = PLAN;
    for (const id of IDS) p.stages[id] = { state: 'done', attempt: 1, summary: `${id} done` };
    p.stages[FIRST] = { state: 'done', attempt: 1, risks: ['Upstream schema may change'] };
    p.stages[SECOND] = { state: 'failed', attempt: 1, error: 'timeout' };
    const s = executiveSummarySchema.parse(fallbackSummary(p));
    expect(s.outcome).toBe('unchecked');
    expect(s.criteria.map((c) => c.criterion)).toEqual(FIXTURE_REQUIREMENTS.successCriteria);
    expect(s.criteria.every((c) => c.status === 'unchecked')).toBe(true);
    expect(s.risks.find((r) => r.risk === 'Upstream schema may change')?.stages).toEqual([FIRST]);
    expect(s.nextSteps[0]).toMatchObject({
      step: `Retry ${SECOND} (\`retry ${SECOND}\`).`,
      stages: [SECOND],
    });
    expect(s.resources.infrastructure).toContain(FIXTURE_REQUIREMENTS.stack.serving);
  });
});

type AnyBlock = { type: string; text?: { text: string }; fields?: Array<{ text: string }> };

function limitProblems(blocks: readonly unknown[]): string[] {
  const problems: string[] = [];
  if (blocks.length > LIMITS.blocks) problems.push(`${blocks.length} blocks`);
  for (const b of blocks as AnyBlock[]) {
    const text = b.text?.text ?? '';
    if (b.type === 'section' && text.length > LIMITS.sectionText) problems.push(`section ${text.length}`);
    if (b.type === 'section' && !b.text && !b.fields) problems.push('empty section');
    if ((b.fields?.length ?? 0) > 10) problems.push('more than 10 fields');
    for (const f of b.fields ?? [])
      if (f.text.length > LIMITS.fieldText) problems.push(`field ${f.text.length}`);
  }
  return problems;
}

const HOSTILE = '<!channel> <@U999> <https://evil.example|click> & ';

function maximalView(text: string): Extract<View, { type: 'summary' }> {
  const ids = Array.from({ length: 40 }, (_, i) => `phase${1 + (i % 9)}.stage-with-a-long-name-${i}`);
  return {
    type: 'summary',
    summary: {
      ...maximalSummary(text, ids),
      resources: { ...maximalSummary(text, ids).resources, costUsd: 3.5 },
    },
    usage: { ...ZERO_USAGE, costUsd: 3.5, calls: 80 },
    spentOn: ids.map((id) => ({ label: id, usd: 0.07 })),
    budgetUsd: 20,
    stageCount: 40,
    stages: ids.map((id, i) => ({
      id,
      role: 'ml-engineer',
      phase: 1 + (i % 9),
      state: 'done',
      needsApproval: false,
    })),
    degradedStages: ids,
    failedStages: ids,
  };
}

describe('the summary in Slack', () => {
  it('stays within block limits with every list full and every text at its maximum, with and without the table', () => {
    const msg = renderView(maximalView('lorem ipsum dolor sit amet '));
    for (const m of [msg, ...(msg.withoutTables ? [msg.withoutTables] : [])]) {
      expect(limitProblems(m.blocks)).toEqual([]);
      // The playground's model of what Slack refuses agrees.
      expect(blockKitErrors(m.blocks)).toEqual([]);
      // Cut nothing: the footer is still the last block, not "…and N more".
      expect(JSON.stringify(m.blocks.at(-1))).toContain('full report attached below');
    }
  });

  it('escapes hostile model text everywhere, so nothing pings or links', () => {
    const msg = renderView(maximalView(HOSTILE));
    for (const m of [msg, ...(msg.withoutTables ? [msg.withoutTables] : [])]) {
      const all = `${m.text}\n${JSON.stringify(m.blocks)}`;
      expect(all).not.toMatch(/<!channel>|<@U999>|<https:/);
      expect(all).toContain('&lt;!channel&gt;');
    }
  });

  it('shows each criterion with its status and stages, impact with ROI and assumptions, risks with mitigations, resources and cost, next steps', () => {
    const view: Extract<View, { type: 'summary' }> = {
      type: 'summary',
      summary: {
        ...summaryAnswer({
          outcome: 'partially_met',
          headline: 'Churn model designed',
          criteria: [
            { criterion: 'AUC ≥ 0.85', status: 'met', evidence: 'holdout plan', stages: [SECOND] },
            { criterion: 'p99 < 100 ms', status: 'partial', evidence: 'load test pending', stages: [] },
          ],
          risks: [{ risk: 'Labels arrive late', mitigation: 'Lagged metric with alerts', stages: [FIRST] }],
          nextSteps: [{ step: 'Measure the baseline', owner: 'data scientist', stages: [SECOND] }],
        }),
        resources: {
          people: 'one ML engineer',
          infrastructure: 'one GPU node',
          ongoingCost: '$300 a month',
          costUsd: 0.42,
        },
      },
      usage: { ...ZERO_USAGE, costUsd: 0.42 },
      budgetUsd: 5,
      stageCount: 2,
      degradedStages: [],
      failedStages: [],
    };
    const text = JSON.stringify(renderSummary(view).blocks);
    expect(text).toContain(`:white_check_mark: *AUC ≥ 0.85*\\n      holdout plan _(\`${SECOND}\`)_`);
    expect(text).toContain(':large_yellow_circle: *p99 &lt; 100 ms*\\n      load test pending');
    expect(text).toContain('*ROI estimate:* $40k-$90k a year');
    expect(text).toContain('• 2% fewer cancellations');
    expect(text).toContain(
      `• Labels arrive late _(\`${FIRST}\`)_\\n      ↳ _Mitigation:_ Lagged metric with alerts`,
    );
    expect(text).toContain('*Running it*\\n$300 a month');
    expect(text).toContain('*This run*\\nest. $0.42 of a $5.00 budget on the model');
    expect(text).toContain(`1. Measure the baseline — _data scientist_ _(\`${SECOND}\`)_`);
  });
});

describe('the summary in the report', () => {
  it('has every part, each stage reference a link to that stage’s section, and model text kept on its line', () => {
    const p = blankProject();
    p.requirements = defaultRequirements('churn');
    p.plan = PLAN;
    p.phase = 'completed';
    p.usage = { ...ZERO_USAGE, costUsd: 0.75 };
    p.summary = settleSummary(
      summaryAnswer({
        criteria: [
          { criterion: 'AUC', status: 'met', evidence: 'ok\n## Injected heading', stages: [SECOND] },
        ],
        risks: [{ risk: 'drift', mitigation: 'alerts', stages: [FIRST, 'phase8.bogus'] }],
        nextSteps: [{ step: 'ship', owner: 'mlops engineer', stages: [] }],
        businessImpact: {
          summary: '# Not a heading\n\n## Nor this',
          roi: { estimate: '$40k-$90k a year', assumptions: ['2% fewer cancellations'] },
          stages: [],
        },
      }),
      IDS,
      0.75,
    ).summary;
    const { markdown, metadata } = buildReport(p, new Map());
    const section = markdown.slice(markdown.indexOf('## Executive summary'), markdown.indexOf('## Plan'));
    expect(section).toContain(
      `- [x] Met: AUC\n  - Evidence: ok ## Injected heading (stages: [${SECOND}](#${stageAnchor(SECOND)}))`,
    );
    expect(section).toContain('### Business impact');
    expect(section).toContain('**ROI estimate:** $40k-$90k a year');
    expect(section).toContain('- 2% fewer cancellations');
    expect(section).toContain(
      `- **Risk:** drift (stages: [${FIRST}](#${stageAnchor(FIRST)}))\n  - Mitigation: alerts`,
    );
    expect(section).toContain('- This run: est. $0.75 on the model');
    expect(section).toContain('1. ship (owner: mlops engineer)');
    expect(markdown).not.toContain('phase8.bogus');
    expect(markdown).not.toMatch(/^## Injected heading/m);
    expect(section).toContain('\n\\# Not a heading ## Nor this\n');
    // Every link lands on an anchor placed just before that stage's heading.
    for (const [, anchor] of section.matchAll(/\]\(#([^)]+)\)/g)) {
      const stage = IDS.find((id) => stageAnchor(id) === anchor);
      expect(markdown).toContain(`<a id="${anchor}"></a>\n## ${stage} (`);
    }
    expect(metadata.summary?.resources.costUsd).toBe(0.75);
  });
});
