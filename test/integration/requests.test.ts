import { describe, expect, it } from 'vitest';
import type { TailoredPlan } from '../../src/domain/plan.js';
import { asTailoredPlan, defaultPlan } from '../../src/domain/plan.js';
import { waitFor } from '../support/wait.js';
import {
  CHANNEL,
  FIXTURE_REQUIREMENTS,
  projectManagerResponder,
  REQUESTER,
  startHarness,
  waitForIdleQueues,
} from './harness.js';

/** What opens a project and what does not: the per-person cap, commands outside a project, model text. */
describe('opening projects', () => {
  it('refuses a request past the per-person cap, naming the open projects, until one of them ends', async () => {
    const h = await startHarness({ MAX_OPEN_PROJECTS_PER_USER: '2' });
    const first = await h.mention('build a churn model and serve it behind an API');
    const second = await h.mention('forecast weekly demand for the warehouses');
    await h.waitForThread(first.threadTs, /A few questions before I plan/);
    await h.waitForThread(second.threadTs, /A few questions before I plan/);

    const third = await h.mention('classify support tickets by urgency');
    const refusal = await h.waitForEphemeral(REQUESTER, /You already have 2 open projects/);
    expect(refusal).toContain('the most one person may have at once (2)');
    expect(refusal).toContain(
      `“build a churn model and serve it behind an API” in <#${CHANNEL}> (clarifying)`,
    );
    expect(refusal).toContain(`“forecast weekly demand for the warehouses” in <#${CHANNEL}> (clarifying)`);
    expect(refusal).toContain(
      'Finish, `cancel` or `forget` one of them, then ask again. Nothing was started.',
    );
    await waitForIdleQueues(h);
    expect(h.posts(third.threadTs)).toHaveLength(0);
    expect(h.model.requests.filter((r) => r.lastUserText.includes('classify support tickets'))).toHaveLength(
      0,
    );

    // Someone else is not held back by this person's cap.
    const colleague = await h.mention('classify support tickets by urgency', { user: 'UCOLLEAGUE' });
    await h.waitForThread(colleague.threadTs, /A few questions before I plan/);

    // Once one project ends, the same person may open another.
    await h.reply(first.threadTs, 'cancel');
    await h.waitForThread(first.threadTs, /Cancelled by/);
    const again = await h.mention('classify support tickets by urgency');
    await h.waitForThread(again.threadTs, /A few questions before I plan/);
  });

  it('opens a project from a direct message that asks for one, and explains how when it is a command instead', async () => {
    const h = await startHarness();
    const status = await h.dm('status');
    expect(status.status).toBe(200);
    const told = await h.waitForEphemeral(REQUESTER, /`status` works inside a project's thread/);
    expect(told).toContain('To start a project, describe what you need');
    await h.dm('help');
    await h.waitForEphemeral(REQUESTER, /`help` works inside a project's thread/);
    await waitForIdleQueues(h);
    expect(h.posts(status.ts)).toHaveLength(0);
    expect(h.model.requests).toHaveLength(0);

    const request = await h.dm('build a churn model for our subscription data and serve it behind an API');
    await h.waitForThread(request.ts, /A few questions before I plan/);
    // With a project open, `status` in a DM lists it.
    await h.dm('status');
    await waitFor(() =>
      h
        .ephemeralsTo(REQUESTER)
        .some((t) => t.includes('Your open projects: “build a churn model for our subscription')),
    );
  });

  it('never lets text a model wrote mention anyone, even where a plan problem quotes it', async () => {
    const h = await startHarness();
    const pinging: TailoredPlan = asTailoredPlan(
      defaultPlan(FIXTURE_REQUIREMENTS),
      'Ping <@U0VICTIM> and <!channel>.',
    );
    const scientist = pinging.stages.find((s) => s.id === 'phase1.data-scientist');
    if (!scientist) throw new Error('no stage');
    scientist.reads = ['phase1.data-engineer', '<@U0VICTIM>', '<!channel>'];
    h.model.setResponder(projectManagerResponder({ plan: pinging }));
    const { threadTs } = await h.mention('build a churn model and serve it behind an API');
    await h.waitForThread(threadTs, /A few questions before I plan/);
    await h.reply(threadTs, 'go');
    await h.waitForThread(threadTs, /Using the default plan: the model could not tailor a plan/, 20_000);
    await h.waitForThread(threadTs, /Approval needed: phase3.mlops-engineer/);
    const written = JSON.stringify(
      h.slack.calls.filter((c) => c.method.startsWith('chat.')).map((c) => [c.args.text, c.args.blocks]),
    );
    expect(written).not.toContain('<@U0VICTIM>');
    expect(written).not.toContain('<!channel>');
  });
});
