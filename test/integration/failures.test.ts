import { describe, expect, it } from 'vitest';
import { asTailoredPlan, defaultPlan, type TailoredPlan } from '../../src/domain/plan.js';
import type { RecordedRequest, StandInReply } from '../support/anthropic-stand-in.js';
import { waitFor } from '../support/wait.js';
import {
  FIXTURE_REQUIREMENTS,
  type Harness,
  metricSample,
  metricsText,
  projectManagerResponder,
  REQUESTER,
  reportMetadata,
  requestsFor,
  stageOf,
  startHarness,
} from './harness.js';

const DEFAULT_STAGES = defaultPlan(FIXTURE_REQUIREMENTS).stages.map((s) => s.id);

/** Opens a project and says `go` at the first question; returns the thread. */
async function openAndGo(harness: Harness): Promise<string> {
  const { threadTs } = await harness.mention('build a churn model and serve it behind an API');
  await harness.waitForThread(threadTs, /A few questions before I plan/);
  await harness.reply(threadTs, 'go');
  return threadTs;
}

async function approve(harness: Harness, threadTs: string, stageId: string): Promise<void> {
  await harness.waitForThread(
    threadTs,
    new RegExp(`Approval needed: ${stageId.replace('.', '\\.')}`),
    20_000,
  );
  await harness.click(threadTs, stageId, 'approve', REQUESTER);
}

/** A fresh `status` reply in the thread, as text. */
async function askStatus(harness: Harness, threadTs: string): Promise<string> {
  const before = harness.posts(threadTs).length;
  await harness.reply(threadTs, 'status');
  const reply = await waitFor(
    () =>
      harness
        .posts(threadTs)
        .slice(before)
        .find((c) => String(c.args.text).startsWith('Status:')),
    { message: 'no status reply' },
  );
  return String(reply.args.text);
}

describe('model provider failures during a run', () => {
  it('rides out 429, 529 and 500 bursts across stages, waiting at least as long as retry-after', async () => {
    const h = await startHarness({ STAGE_ATTEMPTS: '4', STAGE_BACKOFF_MS: '100', MODEL_MAX_RETRIES: '0' });
    // The first calls of four stages fail, one of them twice in a row; every other call is answered.
    const failures: Record<string, StandInReply[]> = {
      'phase1.data-engineer': [{ status: 429, headers: { 'retry-after': '1' } }],
      'phase1.data-scientist': [{ status: 529 }],
      'phase2.ml-engineer': [{ status: 500 }, { status: 529 }],
      'phase3.mlops-engineer': [{ status: 500 }],
    };
    const pm = projectManagerResponder();
    h.model.setResponder((req) => {
      const stage = stageOf(req);
      return (stage && failures[stage]?.shift()) || pm(req);
    });
    const threadTs = await openAndGo(h);
    await approve(h, threadTs, 'phase3.mlops-engineer');
    await approve(h, threadTs, 'phase3.kubernetes-architect');
    await h.waitForThread(threadTs, /Executive summary/, 20_000);
    await h.waitForThread(threadTs, /Status: completed/);

    const text = h.threadText(threadTs);
    expect(text).not.toMatch(/failed/);
    const status = await askStatus(h, threadTs);
    for (const id of DEFAULT_STAGES) expect(status).toContain(`${id}: done`);

    // The failures reached the stand-in and each stage was tried again until it was answered.
    const statuses = (id: string) => requestsFor(h as Harness, id).map((r) => r.status);
    expect(statuses('phase1.data-engineer')).toEqual([429, 200]);
    expect(statuses('phase1.data-scientist')).toEqual([529, 200]);
    expect(statuses('phase2.ml-engineer')).toEqual([500, 529, 200]);
    expect(statuses('phase3.mlops-engineer')).toEqual([500, 200]);
    expect(statuses('phase2.python-pro')).toEqual([200]);

    // The retry after the 429 waited for retry-after (1 s), though the configured backoff is 100 ms.
    const [limited, retried] = requestsFor(h, 'phase1.data-engineer');
    expect((retried?.at ?? 0) - (limited?.at ?? 0)).toBeGreaterThanOrEqual(1000);
    // Nothing fell back to the other model: each stage was done by the default one.
    const meta = await reportMetadata(h);
    expect(meta.stages.every((s) => s.state === 'done' && !s.degraded)).toBe(true);
  });

  it('holds stage jobs while the circuit breaker is open instead of spending their attempts, and goes on when the model recovers', async () => {
    const STAGES = 6;
    const ATTEMPTS = 2;
    const h = await startHarness({
      BREAKER_FAILURE_THRESHOLD: '2',
      BREAKER_OPEN_MS: '1500',
      STAGE_ATTEMPTS: String(ATTEMPTS),
      STAGE_BACKOFF_MS: '100',
      PROJECT_CONCURRENCY: String(STAGES),
      WORKER_CONCURRENCY: '2',
    });
    // Six independent stages that all become due at once.
    const base = asTailoredPlan(defaultPlan(FIXTURE_REQUIREMENTS), 'Six experiments side by side.');
    const template = base.stages[0] as TailoredPlan['stages'][number];
    const ids = Array.from({ length: STAGES }, (_, i) => `phase1.exp-${i + 1}`);
    const plan: TailoredPlan = {
      ...base,
      phases: [{ number: 1, name: 'Experiments' }],
      stages: ids.map((id) => ({ ...template, id, role: 'ml-engineer', task: `Run experiment ${id}.` })),
    };
    let outage = true;
    const pm = projectManagerResponder({ plan });
    h.model.setResponder((req: RecordedRequest) =>
      outage && stageOf(req) ? { status: 503, message: 'upstream unavailable' } : pm(req),
    );
    const threadTs = await openAndGo(h);
    await h.waitForThread(threadTs, /Plan: Predict churn/);

    // The breaker opens and the stage jobs wait in the queue as delayed jobs.
    await waitFor(
      async () => {
        const metrics = await metricsText(h as Harness);
        return (
          metricSample(metrics, 'pipewright_model_breaker_state') === 2 &&
          (metricSample(metrics, 'pipewright_queue_jobs{queue="agents",state="delayed"}') ?? 0) >= STAGES - 1
        );
      },
      { timeoutMs: 10_000, message: 'the breaker never opened with the stage jobs delayed' },
    );
    // Far longer than two attempts 100 ms apart take: without the breaker every stage would have failed by now.
    await new Promise((r) => setTimeout(r, 3_500));
    const stageCalls = () => h?.model.requests.filter((r) => stageOf(r) !== undefined) ?? [];
    const callsDuringOutage = stageCalls().length;
    expect(stageCalls().every((r) => r.status === 503)).toBe(true);

    expect(h.threadText(threadTs)).not.toMatch(/failed/);
    const during = await askStatus(h, threadTs);
    expect(during).toMatch(/^Status: running/);
    expect(during).not.toMatch(/failed/);
    // A probe now and then, not every stage spending every attempt (and the fallback model) on a dead provider.
    expect(callsDuringOutage).toBeLessThan(STAGES * ATTEMPTS);
    expect(h.model.requests.some((r) => r.body.model === 'claude-haiku-5-5' && stageOf(r))).toBe(false);

    outage = false;
    await h.waitForThread(threadTs, /Executive summary/, 20_000);
    await h.waitForThread(threadTs, /Status: completed/);
    const meta = await reportMetadata(h);
    expect(meta.stages.map((s) => [s.id, s.state])).toEqual(ids.map((id) => [id, 'done']));
    for (const id of ids) expect(requestsFor(h, id).at(-1)?.status).toBe(200);
    expect(h.threadText(threadTs)).not.toMatch(/failed/);
    const final = await metricsText(h);
    expect(metricSample(final, 'pipewright_model_breaker_state')).toBe(0);
  });

  it('uses the fallback model when the default one keeps failing for a stage, and says so in the note and the summary', async () => {
    const h = await startHarness({ STAGE_ATTEMPTS: '2', STAGE_BACKOFF_MS: '100' });
    const pm = projectManagerResponder();
    h.model.setResponder((req) =>
      stageOf(req) === 'phase1.data-engineer' && req.body.model === 'claude-sonnet-5-5'
        ? { status: 500, message: 'boom' }
        : pm(req),
    );
    const threadTs = await openAndGo(h);
    await h.waitForThread(
      threadTs,
      /phase1.data-engineer\* \(data-engineer\) finished _\(degraded: produced by the fallback model claude-haiku-5-5\)_/,
    );
    expect(requestsFor(h, 'phase1.data-engineer').map((r) => [r.body.model, r.status])).toEqual([
      ['claude-sonnet-5-5', 500],
      ['claude-sonnet-5-5', 500],
      ['claude-haiku-5-5', 200],
    ]);

    // The run goes on with the default model for the next stages.
    await approve(h, threadTs, 'phase3.mlops-engineer');
    expect(requestsFor(h, 'phase1.data-scientist').map((r) => r.body.model)).toEqual(['claude-sonnet-5-5']);
    await approve(h, threadTs, 'phase3.kubernetes-architect');
    await h.waitForThread(threadTs, /Executive summary/, 20_000);
    expect(h.threadText(threadTs)).toContain(
      '*Produced by the fallback model (review these):* `phase1.data-engineer`',
    );
    const status = await askStatus(h, threadTs);
    for (const id of DEFAULT_STAGES) expect(status).toContain(`${id}: done`);
    const meta = await reportMetadata(h);
    expect(meta.stages.filter((s) => s.degraded).map((s) => [s.id, s.model])).toEqual([
      ['phase1.data-engineer', 'claude-haiku-5-5'],
    ]);
  });

  it('reports a stage whose model call outlasts MODEL_TIMEOUT_MS as failed, and `retry` runs it once the model answers', async () => {
    const h = await startHarness({
      MODEL_TIMEOUT_MS: '500',
      STAGE_ATTEMPTS: '2',
      STAGE_BACKOFF_MS: '100',
      PIPEWRIGHT_FALLBACK_MODEL: 'none',
    });
    const model = h.model;
    let hang = true;
    const pm = projectManagerResponder();
    // The stand-in's latency is global; set it per request, as each one arrives (only one runs at a time here).
    model.setResponder((req) => {
      model.setLatencyMs(hang && stageOf(req) === 'phase1.data-engineer' ? 1_500 : 0);
      return pm(req);
    });
    const threadTs = await openAndGo(h);
    await h.waitForThread(threadTs, /phase1.data-engineer\* \(data-engineer\) failed/, 15_000);
    const text = h.threadText(threadTs);
    expect(text).toMatch(/phase1.data-engineer\* \(data-engineer\) failed: [^\n]*timed out/i);
    expect(text).toContain('The run has stopped here. Say `retry phase1.data-engineer` to try again.');
    expect(requestsFor(h, 'phase1.data-engineer')).toHaveLength(2); // both attempts, no fallback
    expect(requestsFor(h, 'phase1.data-scientist')).toHaveLength(0);
    expect(await askStatus(h, threadTs)).toMatch(/^Status: failed[\s\S]*phase1.data-engineer: failed/);

    hang = false;
    await h.reply(threadTs, 'retry phase1.data-engineer');
    await h.waitForThread(threadTs, /Retrying `phase1.data-engineer` \(attempt 2\)/);
    await h.waitForThread(threadTs, /phase1.data-engineer\* \(data-engineer\) finished/);
    await h.waitForThread(threadTs, /Approval needed: phase3.mlops-engineer/);
    expect(requestsFor(h, 'phase1.data-engineer')).toHaveLength(3);
  });
});
