import { describe, expect, it } from 'vitest';
import type { SlackCall } from '../support/slack-stand-in.js';
import { waitFor } from '../support/wait.js';
import {
  type Harness,
  messageText,
  REQUESTER,
  requestsFor,
  runToFirstGate,
  startHarness,
  waitForIdleQueues,
} from './harness.js';

/** Who may do what (DESIGN.md), tried through the real app as the people in a thread would. */

const STRANGER = 'USTRANGER';

/** Gate messages posted for `stageId`, oldest first. */
function gatePosts(h: Harness, threadTs: string, stageId: string): SlackCall[] {
  return h
    .posts(threadTs)
    .filter((c) => JSON.stringify(c.args.blocks ?? []).includes(`Approval needed: ${stageId}`));
}

const hasButtons = (call: SlackCall) => JSON.stringify(call.args.blocks ?? []).includes('gate_approve');

/** The thread's posts after the first `count`, as text. */
const newPosts = (h: Harness, threadTs: string, count: number) =>
  h
    .posts(threadTs)
    .slice(count)
    .map((c) => messageText(c));

describe('who may act', () => {
  it('refuses every control to someone who is neither the requester nor an approver, privately, and changes nothing', async () => {
    const h = await startHarness();
    const threadTs = await runToFirstGate(h);
    await waitForIdleQueues(h);
    const posted = h.posts(threadTs).length;
    const calls = h.model.requests.length;

    for (const command of [
      'cancel',
      'resume',
      'retry phase1.data-engineer',
      'go',
      'forget',
      'memory data-engineer',
    ]) {
      await h.reply(threadTs, command, STRANGER);
    }
    await waitFor(() => h.ephemeralsTo(STRANGER).length === 6, {
      message: () => `refusals shown: ${JSON.stringify(h.ephemeralsTo(STRANGER))}`,
    });
    for (const refusal of h.ephemeralsTo(STRANGER)) {
      expect(refusal).toMatch(/^:warning: Only <@UREQUESTER>, who asked for this project, can /);
      expect(refusal).toContain('Nothing changed.');
    }
    expect(h.ephemeralsTo(STRANGER)[0]).toContain('can `cancel` this run');

    // status and help stay open to everyone, and answer in the thread.
    await h.reply(threadTs, 'status', STRANGER);
    await h.reply(threadTs, 'help', STRANGER);
    await waitFor(() => newPosts(h as Harness, threadTs, posted).length === 2);
    await waitForIdleQueues(h);
    const said = newPosts(h, threadTs, posted);
    expect(said[0]).toMatch(/^\*Status: running\*/);
    expect(said[0]).toContain('phase3.mlops-engineer 🔒\n🔒 awaiting approval'); // a table row
    expect(said[1]).toContain('In a project thread I understand');
    // No decision, no model call, no edit of the gate.
    expect(h.model.requests).toHaveLength(calls);
    expect(gatePosts(h, threadTs, 'phase3.mlops-engineer').filter(hasButtons)).toHaveLength(1);
    expect(h.slack.callsTo('chat.update').some((c) => messageText(c).includes('Cancelled'))).toBe(false);
  });

  it('lets an approver control a run that someone else asked for', async () => {
    const h = await startHarness({ APPROVER_IDS: 'UAPPROVER' });
    const threadTs = await runToFirstGate(h);
    await h.reply(threadTs, 'cancel', 'UAPPROVER');
    await h.waitForThread(threadTs, /Cancelled by <@UAPPROVER>/);
    await h.reply(threadTs, 'resume', STRANGER);
    expect(
      await h.waitForEphemeral(
        STRANGER,
        /Only <@UREQUESTER>, who asked for this project, or an approver \(<@UAPPROVER>\) can `resume` this run/,
      ),
    ).toBeTruthy();
  });

  it('does nothing with a button value copied from another project, or from an older round of the same gate', async () => {
    const h = await startHarness();
    const first = await runToFirstGate(h);
    const second = await runToFirstGate(h);
    const [firstGate] = gatePosts(h, first, 'phase3.mlops-engineer');
    const [secondGate] = gatePosts(h, second, 'phase3.mlops-engineer');
    if (!firstGate || !secondGate) throw new Error('no gates');
    const firstValue = (firstGate.args.blocks as Array<{ elements?: Array<{ value: string }> }>)
      .flatMap((b) => b.elements ?? [])
      .find((e) => e.value)?.value;

    // The first project's value, clicked on the second project's message.
    await h.clickButton(secondGate, 'gate_approve', REQUESTER, { value: firstValue ?? '' });
    expect(
      await h.waitForEphemeral(REQUESTER, /does not belong to this project; nothing changed/),
    ).toBeTruthy();
    await waitForIdleQueues(h);
    expect(requestsFor(h, 'phase3.mlops-engineer')).toHaveLength(0);

    // An older round: reject, retry, then click Approve on the first request's (replayed) buttons.
    await h.clickButton(firstGate, 'gate_reject', REQUESTER);
    await h.waitForThread(first, /rejected `phase3.mlops-engineer`, so the run has stopped/);
    await h.reply(first, 'retry phase3.mlops-engineer');
    await waitFor(() => gatePosts(h as Harness, first, 'phase3.mlops-engineer').length === 2);
    await h.clickButton(firstGate, 'gate_approve', REQUESTER);
    expect(
      await h.waitForEphemeral(REQUESTER, /is out of date: use the latest one in this thread/),
    ).toBeTruthy();
    await waitForIdleQueues(h);
    expect(requestsFor(h, 'phase3.mlops-engineer')).toHaveLength(0);
    const [, latest] = gatePosts(h, first, 'phase3.mlops-engineer');
    expect(latest && hasButtons(latest)).toBe(true);
  });

  it('never lets a member of another organisation in a shared channel, or a guest, approve or control a run', async () => {
    const h = await startHarness({ APPROVER_IDS: 'UEXTERNAL,UGUEST,UAPPROVER' });
    h.slack.setUser('UEXTERNAL', { teamId: 'T0OTHERORG' });
    h.slack.setUser('UGUEST', { isRestricted: true });
    const threadTs = await runToFirstGate(h);
    const [gate] = gatePosts(h, threadTs, 'phase3.mlops-engineer');
    if (!gate) throw new Error('no gate');

    await h.clickButton(gate, 'gate_approve', 'UEXTERNAL', { userTeamId: 'T0OTHERORG' });
    expect(
      await h.waitForEphemeral(
        'UEXTERNAL',
        /belongs to another workspace: members of other organisations in a shared channel can follow it/,
      ),
    ).toContain('cannot approve or reject `phase3.mlops-engineer`');
    await h.clickButton(gate, 'gate_approve', 'UGUEST');
    expect(await h.waitForEphemeral('UGUEST', /^:warning: Guests can follow this project/)).toContain(
      'cannot approve or reject',
    );
    await h.reply(threadTs, 'cancel', 'UGUEST');
    await h.reply(threadTs, 'memory data-engineer', 'UGUEST');
    await waitFor(() => h.ephemeralsTo('UGUEST').length === 3, {
      message: () => JSON.stringify(h.ephemeralsTo('UGUEST')),
    });
    expect(h.ephemeralsTo('UGUEST')[2]).toContain('cannot read agent memory');

    // Slack could not say who clicked: the click is refused with a request to try again, not guessed at.
    h.slack.failNext('users.info', 'ratelimited');
    await h.clickButton(gate, 'gate_approve', 'UAPPROVER');
    expect(await h.waitForEphemeral('UAPPROVER', /could not confirm your account with Slack/)).toContain(
      'Nothing changed',
    );

    await waitForIdleQueues(h);
    expect(requestsFor(h, 'phase3.mlops-engineer')).toHaveLength(0);
    expect(h.threadText(threadTs)).not.toContain('Cancelled by');
    // The other organisation's member can still read the run.
    const posted = h.posts(threadTs).length;
    await h.reply(threadTs, 'status', 'UEXTERNAL');
    await waitFor(() =>
      newPosts(h as Harness, threadTs, posted).some((t) => t.startsWith('*Status: running*')),
    );

    await h.clickButton(gate, 'gate_approve', 'UAPPROVER');
    await h.waitForThread(threadTs, /Approved by <@UAPPROVER>/);
  });
});
