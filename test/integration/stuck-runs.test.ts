import { describe, expect, it } from 'vitest';
import { asTailoredPlan, defaultPlan, type TailoredPlan } from '../../src/domain/plan.js';
import type { RecordedRequest } from '../support/anthropic-stand-in.js';
import type { SlackCall } from '../support/slack-stand-in.js';
import { waitFor } from '../support/wait.js';
import {
  FIXTURE_REQUIREMENTS,
  type Harness,
  messageText,
  openAndGo,
  projectManagerResponder,
  REQUESTER,
  requestsFor,
  shortPlanWithOptionalPythonPro,
  startHarness,
  waitForIdleQueues,
} from './harness.js';

/**
 * Runs that used to wait forever with nothing to press (found by the liveness property test on the
 * state machine), replayed through the real app: each must end up moving, or stopped with `resume`.
 */

function gatePosts(h: Harness, threadTs: string, stageId: string): SlackCall[] {
  return h
    .posts(threadTs)
    .filter((c) => JSON.stringify(c.args.blocks ?? []).includes(`Approval needed: ${stageId}`));
}

const live = (call: SlackCall | undefined) =>
  JSON.stringify(call?.args.blocks ?? []).includes('gate_approve');

/** The default plan with both deployments side by side, each behind its own gate. */
function parallelGatesPlan(): TailoredPlan {
  const plan = asTailoredPlan(
    defaultPlan(FIXTURE_REQUIREMENTS),
    'Serving and cluster designed side by side.',
  );
  for (const s of plan.stages) {
    if (s.id === 'phase3.kubernetes-architect') {
      s.task = 'Design the Kubernetes resources for the serving of {phase2.python-pro.output}.';
      s.reads = ['phase2.python-pro'];
    }
  }
  return plan;
}

describe('no run is left stuck', () => {
  it('posts a gate that opens again as a new message with live buttons, and the run completes', async () => {
    const h = await startHarness();
    h.model.setResponder(projectManagerResponder({ plan: parallelGatesPlan() }));
    const threadTs = await openAndGo(h);
    await h.waitForThread(threadTs, /Approval needed: phase3.mlops-engineer/);
    await h.waitForThread(threadTs, /Approval needed: phase3.kubernetes-architect/);

    // Rejecting one deployment stops the run and closes the other gate.
    await h.click(threadTs, 'phase3.mlops-engineer', 'reject', REQUESTER);
    await h.waitForThread(threadTs, /Closed without a decision: the run stopped after a rejection/);
    await h.reply(threadTs, 'resume');
    await waitFor(
      () =>
        gatePosts(h as Harness, threadTs, 'phase3.kubernetes-architect').length === 2 &&
        gatePosts(h as Harness, threadTs, 'phase3.mlops-engineer').length === 2,
      { message: () => `the gates were not asked again:\n${h.threadText(threadTs).slice(-2500)}` },
    );
    const [, mlops] = gatePosts(h, threadTs, 'phase3.mlops-engineer');
    const [, k8s] = gatePosts(h, threadTs, 'phase3.kubernetes-architect');
    expect(live(mlops) && live(k8s)).toBe(true);

    await h.clickButton(mlops as SlackCall, 'gate_approve', REQUESTER);
    await h.clickButton(k8s as SlackCall, 'gate_approve', REQUESTER);
    await h.waitForThread(threadTs, /Executive summary/, 20_000);
    expect(requestsFor(h, 'phase4.observability-engineer')).toHaveLength(1);
  });

  it('settles a run as stopped when a stage retried after a cancel cannot run, and resume then carries it on', async () => {
    const h = await startHarness();
    h.model.setLatencyMs(600);
    const threadTs = await openAndGo(h);
    await waitFor(() => requestsFor(h as Harness, 'phase1.data-engineer').length === 1);
    await h.reply(threadTs, 'cancel');
    await h.waitForThread(threadTs, /Cancelled by <@UREQUESTER>/);
    await waitForIdleQueues(h);
    h.model.setLatencyMs(0);

    // The data scientist reads the data engineer, which was cancelled: it cannot run on its own.
    await h.reply(threadTs, 'retry phase1.data-scientist');
    await h.waitForThread(threadTs, /Retrying `phase1.data-scientist`/);
    await h.waitForThread(
      threadTs,
      /The run has stopped: .*`phase1.data-scientist`.* cannot run until the stages they read have run. Say `resume`/,
    );
    const posted = h.posts(threadTs).length;
    await h.reply(threadTs, 'status');
    await waitFor(() =>
      h
        .posts(threadTs)
        .slice(posted)
        .some((c) => messageText(c).startsWith('*Status: stopped*')),
    );

    await h.reply(threadTs, 'resume');
    await h.waitForThread(threadTs, /Approval needed: phase3.mlops-engineer/, 20_000);
    expect(requestsFor(h, 'phase1.data-scientist')).toHaveLength(1);
  });

  it('writes a summary again when the model fails it twice: the second failure is not taken for the first', async () => {
    const h = await startHarness();
    const plan = shortPlanWithOptionalPythonPro();
    const manager = projectManagerResponder({ plan });
    let pythonFails = true;
    h.model.setResponder((req: RecordedRequest) => {
      if (req.lastUserText.includes('The run has finished'))
        return { status: 400, message: 'summary refused' };
      if (pythonFails && req.lastUserText.includes('Your stage: phase2.python-pro'))
        return { status: 400, message: 'stage refused' };
      return manager(req);
    });
    const threadTs = await openAndGo(h);
    await h.waitForThread(threadTs, /here is one from the stage notes/, 20_000);
    await h.waitForThread(threadTs, /Executive summary/);

    pythonFails = false;
    await h.reply(threadTs, 'retry phase2.python-pro');
    await waitFor(
      () => (h.threadText(threadTs).match(/here is one from the stage notes/g) ?? []).length === 2,
      { timeoutMs: 20_000, message: () => `no second summary:\n${h.threadText(threadTs).slice(-2500)}` },
    );
    await waitFor(() => (h.threadText(threadTs).match(/Executive summary/g) ?? []).length === 2);
    const status = h.posts(threadTs).length;
    await h.reply(threadTs, 'status');
    await waitFor(() =>
      h
        .posts(threadTs)
        .slice(status)
        .some((c) => messageText(c).startsWith('*Status: completed*')),
    );
  });
});
