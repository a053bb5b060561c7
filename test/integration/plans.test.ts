import { describe, expect, it } from 'vitest';
import { asTailoredPlan, defaultPlan, type TailoredPlan } from '../../src/domain/plan.js';
import {
  FIXTURE_REQUIREMENTS,
  type Harness,
  messageText,
  parallelExperimentsPlan,
  projectManagerResponder,
  REQUESTER,
  type ReportStage,
  reportMetadata,
  requestsFor,
  stageOf,
  startHarness,
  waitForIdleQueues,
} from './harness.js';

const EXPERIMENTS = ['phase2.gbm', 'phase2.logreg', 'phase2.nn'];
const PARALLEL_STAGES = ['phase1.data-engineer', ...EXPERIMENTS, 'phase2.review'];

/** Opens a project whose plan the project manager tailors to `plan`, and says `go` at the first question. */
async function startWithPlan(harness: Harness, plan: TailoredPlan): Promise<string> {
  harness.model.setResponder(projectManagerResponder({ plan }));
  const { threadTs } = await harness.mention('build a churn model and serve it behind an API');
  await harness.waitForThread(threadTs, /A few questions before I plan/);
  await harness.reply(threadTs, 'go');
  return threadTs;
}

/** When the worker had the model's answer for a stage (from the report: start plus duration). */
function answeredAt(stage: ReportStage | undefined): number {
  if (!stage?.startedAt || stage.durationMs === undefined) throw new Error(`no timings for ${stage?.id}`);
  return Date.parse(stage.startedAt) + stage.durationMs;
}

/** Index of the first thread post whose text contains `needle`, in posting order. */
function postIndex(harness: Harness, threadTs: string, needle: string): number {
  return harness.posts(threadTs).findIndex((c) => messageText(c).includes(needle));
}

describe('tailored plans', () => {
  it('runs independent stages of a tailored plan in parallel, and the stage that reads them after all of them', async () => {
    const h = await startHarness();
    h.model.setLatencyMs(300);
    const threadTs = await startWithPlan(h, parallelExperimentsPlan());

    await h.waitForThread(threadTs, /Executive summary/, 25_000);
    const text = h.threadText(threadTs);
    expect(text).toContain('Why this plan:* Three model families compared, then reviewed.');
    expect(text).not.toContain('Using the default plan');
    expect(text).toContain('Runs in parallel where inputs allow: `phase2.gbm`, `phase2.logreg`, `phase2.nn`');
    for (const id of PARALLEL_STAGES) expect(text).toContain(`${id}* (`); // one note per stage

    // Each experiment's model call reached the model before any other experiment had its answer.
    const meta = await reportMetadata(h);
    expect(meta.stages.map((s) => [s.id, s.state])).toEqual(PARALLEL_STAGES.map((id) => [id, 'done']));
    const byId = new Map(meta.stages.map((s) => [s.id, s]));
    for (const id of EXPERIMENTS) {
      const calls = requestsFor(h, id);
      expect(calls).toHaveLength(1);
      for (const other of EXPERIMENTS.filter((o) => o !== id)) {
        expect(calls[0]?.at, `${id} called the model before ${other} was answered`).toBeLessThan(
          answeredAt(byId.get(other)),
        );
      }
    }

    // The review started only once all three had their answers, and its note comes after theirs.
    const review = requestsFor(h, 'phase2.review');
    expect(review).toHaveLength(1);
    for (const id of EXPERIMENTS) {
      expect(review[0]?.at).toBeGreaterThanOrEqual(answeredAt(byId.get(id)));
      expect(review[0]?.lastUserText).toContain(`<output stage="${id}">`);
      expect(postIndex(h, threadTs, `${id}* (`)).toBeLessThan(postIndex(h, threadTs, 'phase2.review* ('));
    }
    await h.waitForThread(threadTs, /Status: completed/);
  });

  it('never has more than PROJECT_CONCURRENCY stage model calls of the project in flight', async () => {
    const h = await startHarness({ PROJECT_CONCURRENCY: '2' });
    h.model.setLatencyMs(300);
    const threadTs = await startWithPlan(h, parallelExperimentsPlan());
    await h.waitForThread(threadTs, /Executive summary/, 25_000);

    const meta = await reportMetadata(h);
    expect(meta.stages.every((s) => s.state === 'done')).toBe(true);
    const byId = new Map(meta.stages.map((s) => [s.id, s]));
    // Each stage's model call is in flight from its arrival at the model until the worker had the answer.
    const intervals = h.model.requests
      .map((r) => ({ id: stageOf(r), from: r.at }))
      .filter((r): r is { id: string; from: number } => r.id !== undefined)
      .map((r) => ({ ...r, to: answeredAt(byId.get(r.id)) }));
    expect(intervals.map((i) => i.id).sort()).toEqual([...PARALLEL_STAGES].sort());
    const inFlightAt = (t: number) => intervals.filter((i) => i.from <= t && t < i.to).map((i) => i.id);
    const peak = Math.max(...intervals.map((i) => inFlightAt(i.from).length));
    expect(peak, 'two experiments should overlap, never three').toBe(2);
    // The third experiment waited for one of the first two to be answered.
    const [first, second, third] = EXPERIMENTS.map((id) => intervals.find((i) => i.id === id)).sort(
      (a, b) => (a?.from ?? 0) - (b?.from ?? 0),
    );
    expect(third?.from).toBeGreaterThanOrEqual(Math.min(first?.to ?? Number.NaN, second?.to ?? Number.NaN));
  });

  it('keeps the gate of a stage that changes running systems when the tailored plan turns it off', async () => {
    const h = await startHarness();
    const ungated = asTailoredPlan(defaultPlan(FIXTURE_REQUIREMENTS), 'Ship it without the clicks.');
    for (const s of ungated.stages) {
      s.needsApproval = false;
      s.changesRunningSystems = false;
    }
    const threadTs = await startWithPlan(h, ungated);
    await h.waitForThread(threadTs, /Approval needed: phase3.mlops-engineer/);
    await waitForIdleQueues(h);
    expect(h.threadText(threadTs)).not.toContain('Using the default plan');
    expect(requestsFor(h, 'phase3.mlops-engineer')).toHaveLength(0);
  });

  it.each([
    {
      problem: 'a stage reading an unknown stage',
      change: (p: TailoredPlan) => {
        p.stages.find((s) => s.id === 'phase2.python-pro')?.reads.push('phase2.feature-store');
      },
      why: 'stage phase2.python-pro reads phase2.feature-store, which is not in the plan',
    },
    {
      problem: 'a cycle',
      change: (p: TailoredPlan) => {
        p.stages.find((s) => s.id === 'phase1.data-engineer')?.reads.push('phase1.data-scientist');
      },
      why: 'stages form a cycle: phase1.data-engineer → phase1.data-scientist → phase1.data-engineer',
    },
  ])(
    'falls back to the default plan when the tailored one has $problem, and says why',
    async ({ change, why }) => {
      const h = await startHarness();
      const invalid = asTailoredPlan(defaultPlan(FIXTURE_REQUIREMENTS), 'My own plan.');
      change(invalid);
      const threadTs = await startWithPlan(h, invalid);

      await h.waitForThread(threadTs, /Using the default plan: the tailored plan was invalid/);
      expect(h.threadText(threadTs)).toContain(why);
      await h.waitForThread(threadTs, /Why this plan:\* Default four-phase plan/);
      expect(h.threadText(threadTs)).not.toContain('My own plan.');

      // The default stages run, in order, up to the first gate.
      await h.waitForThread(threadTs, /Approval needed: phase3.mlops-engineer/);
      const ran = h.model.requests.map(stageOf).filter((id) => id !== undefined);
      expect(ran).toEqual([
        'phase1.data-engineer',
        'phase1.data-scientist',
        'phase2.ml-engineer',
        'phase2.python-pro',
      ]);
      // The default plan's data engineer reads nothing: the cycle was not kept.
      expect(requestsFor(h, 'phase1.data-engineer')[0]?.lastUserText).not.toContain('<output stage=');
    },
  );

  it('runs exactly the stages a plan that drops some lists (batch on Airflow: no Kubernetes stage)', async () => {
    const h = await startHarness();
    const batch = asTailoredPlan(
      defaultPlan(FIXTURE_REQUIREMENTS),
      'Nightly batch scoring on Airflow: no Kubernetes stage.',
    );
    batch.stages = batch.stages.filter((s) => s.role !== 'kubernetes-architect');
    const observability = batch.stages.find((s) => s.id === 'phase4.observability-engineer');
    if (!observability) throw new Error('the default plan has no observability stage');
    observability.reads = ['phase3.mlops-engineer'];
    observability.task = 'Monitor the batch job in {phase3.mlops-engineer.output}: drift, run times, alerts.';
    const listed = batch.stages.map((s) => s.id);
    const threadTs = await startWithPlan(h, batch);

    await h.waitForThread(threadTs, /Approval needed: phase3.mlops-engineer/);
    const plan = h.threadText(threadTs);
    expect(plan).toContain('Why this plan:* Nightly batch scoring on Airflow');
    expect(plan).not.toContain('kubernetes-architect');
    expect(plan).toMatch(/phase3.mlops-engineer` — mlops-engineer :lock: _needs approval_/);
    // The deploying stage still waited for a click.
    expect(requestsFor(h, 'phase3.mlops-engineer')).toHaveLength(0);

    await h.click(threadTs, 'phase3.mlops-engineer', 'approve', REQUESTER);
    await h.waitForThread(threadTs, /Executive summary/, 20_000);
    await h.waitForThread(threadTs, /Status: completed/);

    const ran = h.model.requests.map(stageOf).filter((id) => id !== undefined);
    expect(ran).toEqual(listed);
    const text = h.threadText(threadTs);
    expect(text).not.toContain('Approval needed: phase3.kubernetes-architect');
    expect(text).toContain(`Completed · ${listed.length} stage(s)`);
    const meta = await reportMetadata(h);
    expect(meta.stages.map((s) => [s.id, s.state])).toEqual(listed.map((id) => [id, 'done']));
  });
});
