import { describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait.js';
import { promptOf, startHarness } from './harness.js';

const isDataEngineer = (prompt: string) => prompt.includes("project's data engineer");

describe('model failures', () => {
  it('repairs once with the schema error, tries the fallback model, then reports the failed stage; retry recovers', async () => {
    const h = await startHarness();
    h.model.setResponder((req) =>
      isDataEngineer(promptOf(req)) ? { text: 'Sure! Here is my plan: (no JSON)' } : undefined,
    );
    const { threadTs } = await h.mention('build a churn model');
    await h.waitForThread(threadTs, /A few questions/);
    h.model.setResponder((req) => (isDataEngineer(promptOf(req)) ? { json: { summary: 42 } } : undefined));
    await h.reply(threadTs, 'go');
    await h.waitForThread(threadTs, /phase1.data-engineer\* \(data-engineer\) failed/);

    const calls = h.model.requests.filter((r) => isDataEngineer(promptOf(r)));
    // The call and one repair, then the same with the fallback model; a schema failure is not retried by the queue.
    expect(calls.map((c) => c.body.model)).toEqual([
      'claude-sonnet-5-5',
      'claude-sonnet-5-5',
      'claude-haiku-5-5',
      'claude-haiku-5-5',
    ]);
    expect(calls[1]?.lastUserText).toContain('did not match the required JSON schema');
    expect(calls[1]?.lastUserText).toMatch(/summary/);
    const text = h.threadText(threadTs);
    expect(text).toMatch(/model output failed its schema/);
    expect(text).toContain('retry phase1.data-engineer');
    expect(h.logs.some((l) => l.msg === 'model output failed its schema')).toBe(true);

    // The state stayed consistent: status says failed, and `retry` runs the stage again to the next step.
    h.model.setResponder(undefined);
    await h.reply(threadTs, 'retry phase1.data-engineer');
    await h.waitForThread(threadTs, /Retrying `phase1.data-engineer` \(attempt 2\)/);
    await h.waitForThread(threadTs, /phase1.data-engineer\* \(data-engineer\) finished/);
    await h.waitForThread(threadTs, /Approval needed: phase3.mlops-engineer/);
  });

  it('retries a model outage with backoff and completes the stage when the API comes back', async () => {
    const h = await startHarness({ STAGE_ATTEMPTS: '3' });
    const { threadTs } = await h.mention('build a churn model');
    await h.waitForThread(threadTs, /A few questions/);
    h.model.enqueue({ status: 529, message: 'Overloaded' }, { status: 500, message: 'boom' });
    await h.reply(threadTs, 'go');
    await h.waitForThread(threadTs, /phase1.data-engineer\* \(data-engineer\) finished/, 20_000);
    expect(h.model.requests.filter((r) => r.status >= 500)).toHaveLength(2);
    expect(h.threadText(threadTs)).not.toMatch(/failed/);
  });

  it('tells the thread when clarification fails and goes on with stated defaults', async () => {
    const h = await startHarness();
    h.model.setResponder((req) =>
      req.lastUserText.includes('clarification round') ? { status: 400, message: 'bad request' } : undefined,
    );
    const { threadTs } = await h.mention('build a churn model');
    await h.waitForThread(threadTs, /could not get usable clarification from the model/);
    await h.waitForThread(threadTs, /Plan: build a churn model/);
    await waitFor(() => h?.threadText(threadTs).includes('Some requirements use defaults'));
  });
});
