import { describe, expect, it } from 'vitest';
import { stageAnchor } from '../../src/domain/report-summary.js';
import type { RecordedRequest } from '../support/anthropic-stand-in.js';
import {
  DEFAULT_STAGES,
  messageText,
  openAndGo,
  projectManagerResponder,
  REQUESTER,
  reportMarkdown,
  runToFirstGate,
  shortPlanWithOptionalPythonPro,
  startHarness,
} from './harness.js';

const [DATA = '', SCIENCE = '', TRAINING = ''] = DEFAULT_STAGES;
const BOGUS = 'phase9.invented-stage';

/** What the scripted project manager answers when asked for the executive summary. */
const SCRIPTED_SUMMARY = {
  outcome: 'partially_met',
  headline: 'Churn model designed; serving still to be load-tested.',
  deliverables: [
    ...DEFAULT_STAGES.map((id) => ({ stageId: id, line: `${id} delivered its design` })),
    { stageId: BOGUS, line: 'a stage nobody planned' },
  ],
  criteria: [
    {
      criterion: 'AUC > 0.80',
      status: 'partial',
      evidence: 'Hold-out plan and baseline defined; not yet measured.',
      stages: [SCIENCE, BOGUS, TRAINING],
    },
  ],
  businessImpact: {
    summary: 'Retaining more subscribers protects recurring revenue.',
    roi: {
      estimate: '$40k-$90k a year',
      assumptions: ['2-5% fewer cancellations', 'Serving stays under $2k/month'],
    },
    stages: [SCIENCE, BOGUS],
  },
  risks: [
    { risk: 'Labels arrive late', mitigation: 'Track a lagged AUC with alerts', stages: [BOGUS, DATA] },
  ],
  resources: {
    people: 'One ML engineer and one MLOps engineer for six weeks',
    infrastructure: 'Airflow, Feast, KServe on AWS',
    ongoingCost: 'About $1.5k a month for serving and storage',
    // Not the model's to say: the message shows what the run's records say.
    costUsd: 123_456,
  },
  nextSteps: [{ step: 'Measure the baseline on the hold-out', owner: 'data scientist', stages: [SCIENCE] }],
};

describe('the executive summary an executive reads', () => {
  it('posts and reports every part, traced to the plan’s stages, with an invented stage reference dropped', async () => {
    const h = await startHarness();
    const pm = projectManagerResponder();
    h.model.setResponder((req) =>
      req.lastUserText.includes('The run has finished') ? { json: SCRIPTED_SUMMARY } : pm(req),
    );
    const threadTs = await runToFirstGate(h);
    await h.click(threadTs, 'phase3.mlops-engineer', 'approve', REQUESTER);
    await h.waitForThread(threadTs, /Approval needed: phase3.kubernetes-architect/);
    await h.click(threadTs, 'phase3.kubernetes-architect', 'approve', REQUESTER);
    await h.waitForThread(threadTs, /Executive summary/, 20_000);

    // The summary request asked for every part and named the plan's stages.
    const asked = h.model.requests.find((r) => r.lastUserText.includes('The run has finished'));
    for (const field of [
      '"businessImpact"',
      '"roi"',
      '"risks"',
      '"mitigation"',
      '"resources"',
      '"nextSteps"',
    ])
      expect(asked?.lastUserText).toContain(field);
    expect(asked?.lastUserText).toContain(DEFAULT_STAGES.join(', '));

    const summary = h.posts(threadTs).find((c) => messageText(c).includes('Executive summary'));
    const text = summary ? messageText(summary) : '';
    expect(text).toContain(`:large_yellow_circle: *AUC &gt; 0.80*`);
    expect(text).toContain(`_(\`${SCIENCE}\`, \`${TRAINING}\`)_`);
    expect(text).toContain('*ROI estimate:* $40k-$90k a year');
    expect(text).toContain('• 2-5% fewer cancellations');
    expect(text).toContain(
      `• Labels arrive late _(\`${DATA}\`)_\n      ↳ _Mitigation:_ Track a lagged AUC with alerts`,
    );
    expect(text).toContain('*Running it*\nAbout $1.5k a month');
    expect(text).toMatch(/\*This run\*\nest\. \$\d+\.\d\d of a \$\d+\.\d\d budget on the model/);
    expect(text).not.toContain('123456');
    expect(text).toContain(`1. Measure the baseline on the hold-out — _data scientist_ _(\`${SCIENCE}\`)_`);
    expect(text).not.toContain(BOGUS);
    // The operator's log says what was dropped.
    const dropped = h.logs.find((l) => l.msg === 'summary cited stages the plan does not have');
    expect(dropped?.dropped).toEqual([BOGUS]);

    const report = await reportMarkdown(h);
    const section = report.slice(report.indexOf('## Executive summary'), report.indexOf('## Plan'));
    expect(section).toContain(
      `- [~] Partly met: AUC > 0.80\n  - Evidence: Hold-out plan and baseline defined; not yet measured. (stages: [${SCIENCE}](#${stageAnchor(SCIENCE)}), [${TRAINING}](#${stageAnchor(TRAINING)}))`,
    );
    expect(section).toContain('**ROI estimate:** $40k-$90k a year');
    expect(section).toContain(`- **Risk:** Labels arrive late (stages: [${DATA}](#${stageAnchor(DATA)}))`);
    expect(section).toContain('  - Mitigation: Track a lagged AUC with alerts');
    expect(section).toContain('- People: One ML engineer and one MLOps engineer for six weeks');
    expect(section).toContain('1. Measure the baseline on the hold-out (owner: data scientist)');
    expect(report).not.toContain(BOGUS);
    for (const id of [DATA, SCIENCE, TRAINING])
      expect(report).toContain(`<a id="${stageAnchor(id)}"></a>\n## ${id} (`);
  });

  it('without the model, posts the same parts from the stage records: criteria not checked, the failed stage to retry', async () => {
    const h = await startHarness();
    const plan = shortPlanWithOptionalPythonPro();
    const manager = projectManagerResponder({ plan });
    h.model.setResponder((req: RecordedRequest) => {
      if (req.lastUserText.includes('The run has finished'))
        return { status: 400, message: 'summary refused' };
      if (req.lastUserText.includes('Your stage: phase2.python-pro'))
        return { status: 400, message: 'stage refused' };
      return manager(req);
    });
    const threadTs = await openAndGo(h);
    await h.waitForThread(threadTs, /here is one from the stage notes/, 20_000);
    await h.waitForThread(threadTs, /Executive summary/);
    const summary = h.posts(threadTs).find((c) => messageText(c).includes('Executive summary'));
    const text = summary ? messageText(summary) : '';
    expect(text).toContain(':grey_question: Not checked against the requirements');
    expect(text).toContain(
      `:grey_question: *AUC &gt; 0.80*\n      Not checked: the model could not write the summary.`,
    );
    expect(text).toContain('*ROI estimate:* Not estimated.');
    expect(text).toContain('*Infrastructure*\naws, airflow, feast, mlflow, kserve (realtime), prometheus');
    expect(text).toContain(
      '1. Retry phase2.python-pro (`retry phase2.python-pro`). — _Python engineer_ _(`phase2.python-pro`)_',
    );
  });
});
