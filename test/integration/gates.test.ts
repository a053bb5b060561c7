import { describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait.js';
import { type Harness, promptOf, REQUESTER, runToFirstGate, startHarness } from './harness.js';

const ephemerals = (harness: Harness, user: string) =>
  harness.slack.callsTo('chat.postEphemeral').filter((c) => c.args.user === user);

describe('approval gates', () => {
  it('refuses a click from someone who may not approve, and changes nothing', async () => {
    const h = await startHarness();
    const threadTs = await runToFirstGate(h);
    const updatesBefore = h.slack.callsTo('chat.update').length;
    expect(await h.click(threadTs, 'phase3.mlops-engineer', 'approve', 'USTRANGER')).toBe(200);
    await waitFor(() => ephemerals(h as Harness, 'USTRANGER').length === 1, { message: 'no refusal' });
    expect(String(ephemerals(h, 'USTRANGER')[0]?.args.text)).toMatch(/Only <@UREQUESTER> can approve/);
    await new Promise((r) => setTimeout(r, 300));
    expect(h.model.requests.some((r) => promptOf(r).includes("project's MLOps engineer"))).toBe(false);
    // The gate message was not edited: its buttons are still there.
    const gateEdits = h.slack
      .callsTo('chat.update')
      .slice(updatesBefore)
      .filter((c) => JSON.stringify(c.args).includes('Approval needed'));
    expect(gateEdits).toEqual([]);
  });

  it('records a decision once: the second click is refused and the message shows who decided', async () => {
    const h = await startHarness();
    const threadTs = await runToFirstGate(h);
    await h.click(threadTs, 'phase3.mlops-engineer', 'approve', REQUESTER);
    await h.click(threadTs, 'phase3.mlops-engineer', 'approve', REQUESTER);
    await waitFor(() => ephemerals(h as Harness, REQUESTER).length === 1, {
      message: 'no answer to the second click',
    });
    expect(String(ephemerals(h, REQUESTER)[0]?.args.text)).toMatch(/already approved by <@UREQUESTER>/);
    await h.waitForThread(threadTs, /Approved by <@UREQUESTER>/);
    const gateEdits = h.slack
      .callsTo('chat.update')
      .filter((c) => JSON.stringify(c.args).includes('Approval needed: phase3.mlops-engineer'));
    expect(gateEdits).toHaveLength(1);
    expect(JSON.stringify(gateEdits[0]?.args.blocks)).not.toContain('gate_approve');
    await waitFor(() => h?.model.requests.some((r) => promptOf(r).includes("project's MLOps engineer")), {
      message: 'the approved stage never ran',
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(h.model.requests.filter((r) => promptOf(r).includes("project's MLOps engineer"))).toHaveLength(1);
  });

  it('stops the run on Reject and says so in the thread', async () => {
    const h = await startHarness();
    const threadTs = await runToFirstGate(h);
    await h.click(threadTs, 'phase3.mlops-engineer', 'reject', REQUESTER);
    await h.waitForThread(
      threadTs,
      /rejected `phase3.mlops-engineer`, so the run has stopped and nothing was deployed/,
    );
    await h.waitForThread(threadTs, /Rejected by <@UREQUESTER>/);
    await h.reply(threadTs, 'status');
    await h.waitForThread(threadTs, /Status: stopped[\s\S]*phase3.mlops-engineer/);
    expect(h.model.requests.some((r) => promptOf(r).includes("project's MLOps engineer"))).toBe(false);
  });

  it('lets only APPROVER_IDS decide when set, not the requester', async () => {
    const h = await startHarness({ APPROVER_IDS: 'UPLATFORMLEAD' });
    const threadTs = await runToFirstGate(h);
    expect(h.threadText(threadTs)).toContain('Who can decide: <@UPLATFORMLEAD>');
    await h.click(threadTs, 'phase3.mlops-engineer', 'approve', REQUESTER);
    await waitFor(() => ephemerals(h as Harness, REQUESTER).length === 1, {
      message: 'requester not refused',
    });
    await h.click(threadTs, 'phase3.mlops-engineer', 'approve', 'UPLATFORMLEAD');
    await h.waitForThread(threadTs, /Approved by <@UPLATFORMLEAD>/);
  });
});
