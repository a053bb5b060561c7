import { webApi } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { REJECTED_WITHOUT_REASON_TEXT } from '../../src/bot/listeners/reject-modal.js';
import { postSignedAction, viewSubmissionPayload } from '../support/slack-signing.js';
import { waitFor } from '../support/wait.js';
import {
  type Harness,
  promptOf,
  REQUESTER,
  runToFirstGate,
  SIGNING_SECRET,
  startHarness,
  waitForIdleQueues,
} from './harness.js';

const GATE = 'phase3.mlops-engineer';

/** Clicks Reject on the gate of `stageId` as `user`, with a trigger id the Slack stand-in issued. */
async function clickReject(h: Harness, threadTs: string, user: string, stageId = GATE) {
  const triggerId = h.slack.triggerId(user);
  const payload = { ...h.clickPayload(threadTs, stageId, 'reject', user), trigger_id: triggerId };
  expect((await postSignedAction(h.appUrl, SIGNING_SECRET, payload)).status).toBe(200);
  return triggerId;
}

/** The modal the bot opened with `triggerId` (views.open's answer), or undefined. */
function openedWith(h: Harness, triggerId: string): Record<string, unknown> | undefined {
  const call = h.slack
    .callsTo('views.open')
    .find((c) => c.args.trigger_id === triggerId && c.response.ok === true);
  return call?.response.view as Record<string, unknown> | undefined;
}

/** Submits the Reject modal `view` as `user` with `reason` typed in; returns Slack's view of the answer. */
async function submit(h: Harness, view: Record<string, unknown>, user: string, reason: string) {
  const payload = viewSubmissionPayload({
    userId: user,
    view,
    values: { reason: { reason_input: { type: 'plain_text_input', value: reason } } },
  });
  const res = await postSignedAction(h.appUrl, SIGNING_SECRET, payload);
  return { status: res.status, body: res.body === '' ? undefined : JSON.parse(res.body) };
}

/** What the gate's status line says now, read from a `status` answer. */
async function gateState(h: Harness, threadTs: string): Promise<string> {
  const before = h.posts(threadTs).length;
  await h.reply(threadTs, 'status');
  await waitFor(() => h.posts(threadTs).length > before, { message: 'no status answer' });
  const text = h.threadText(threadTs);
  return /Status: (\w+)/.exec(text.slice(text.lastIndexOf('Status:')))?.[1] ?? '';
}

describe('Reject asks for a reason in a modal', () => {
  it('opens it for a member of APPROVER_GROUP too, and records their rejection with its reason', async () => {
    const h = await startHarness({ APPROVER_GROUP: 'S00000001' });
    const client = new webApi.WebClient(h.slack.botToken, { slackApiUrl: h.slack.apiUrl });
    await client.usergroups.create({ name: 'ML approvers', handle: 'ml-approvers' });
    await client.usergroups.users.update({ usergroup: 'S00000001', users: 'UGROUPMEMBER' });
    const threadTs = await runToFirstGate(h);
    const view = openedWith(h, await clickReject(h, threadTs, 'UGROUPMEMBER'));
    expect(view).toMatchObject({ callback_id: 'gate_reject_reason' });
    // Someone outside the group gets the refusal and no modal.
    expect(openedWith(h, await clickReject(h, threadTs, 'UOUTSIDER'))).toBeUndefined();
    const answer = await submit(h, view ?? {}, 'UGROUPMEMBER', 'no rollback plan');
    expect(answer).toEqual({ status: 200, body: undefined });
    await waitFor(() => h.threadText(threadTs).includes('no rollback plan'), { message: 'no reason shown' });
    expect(h.threadText(threadTs)).toContain('Rejected by <@UGROUPMEMBER>');
  });

  it('opens a modal with the click’s trigger id; the reason is recorded and shown in the thread, escaped', async () => {
    const h = await startHarness();
    const threadTs = await runToFirstGate(h);
    const triggerId = await clickReject(h, threadTs, REQUESTER);
    // Opened while the click was being answered: Slack's trigger id is good for 3 s only.
    const view = openedWith(h, triggerId);
    expect(view).toMatchObject({ callback_id: 'gate_reject_reason', type: 'modal' });
    expect(JSON.stringify(view?.blocks)).toContain('plain_text_input');

    // An empty (blank) reason: the modal says so, and nothing is recorded.
    expect(await submit(h, view ?? {}, REQUESTER, '   ')).toEqual({
      status: 200,
      body: {
        response_action: 'errors',
        errors: { reason: 'Say why you reject it: the thread shows your reason.' },
      },
    });
    await waitForIdleQueues(h);
    expect(h.threadText(threadTs)).not.toMatch(/Rejected by/);

    const reason = 'The canary skips the EU region <!channel> & <@UOTHER> <https://evil.example|click>';
    expect(await submit(h, view ?? {}, REQUESTER, reason)).toEqual({ status: 200, body: undefined });
    await h.waitForThread(threadTs, /Rejected by <@UREQUESTER>: `phase3.mlops-engineer` will not run/);
    const thread = h.threadText(threadTs);
    expect(thread).toContain(
      'The canary skips the EU region &lt;!channel&gt; &amp; &lt;@UOTHER&gt; &lt;https://evil.example|click&gt;',
    );
    // The gate message says who rejected it and why; its buttons are gone.
    await waitFor(() =>
      h.slack
        .callsTo('chat.update')
        .some((c) => JSON.stringify(c.args.blocks ?? []).includes('Rejected by <@UREQUESTER>: The canary')),
    );
    // Nothing anyone wrote reached Slack as a ping or a link.
    for (const call of [...h.slack.callsTo('chat.postMessage'), ...h.slack.callsTo('chat.update')]) {
      expect(JSON.stringify(call.args)).not.toMatch(/<!channel>|<@UOTHER>|<https:\/\/evil/);
    }
    expect(await gateState(h, threadTs)).toBe('stopped');
    expect(h.threadText(threadTs)).toMatch(/rejected · `phase3.mlops-engineer`/);
    expect(h.model.requests.some((r) => promptOf(r).includes("project's MLOps engineer"))).toBe(false);

    // The same form submitted again is the same rejection: said once.
    await submit(h, view ?? {}, REQUESTER, reason);
    await waitForIdleQueues(h);
    expect(h.threadText(threadTs).match(/Rejected by <@UREQUESTER>: `phase3/g)).toHaveLength(1);
  });

  it('records nothing from a modal whose metadata was tampered with or is out of date', async () => {
    const h = await startHarness({ APPROVER_IDS: `${REQUESTER},UAPPROVER` });
    const threadTs = await runToFirstGate(h);
    const view = openedWith(h, await clickReject(h, threadTs, REQUESTER)) ?? {};
    const meta = JSON.parse(String(view.private_metadata));
    const tampered = (m: unknown) => ({ ...view, private_metadata: JSON.stringify(m) });

    const answers = [
      await submit(h, { ...view, private_metadata: 'not json' }, REQUESTER, 'no'),
      // Someone else's form (or a forged one) does not become theirs.
      await submit(h, view, 'UAPPROVER', 'no'),
      await submit(h, tampered({ ...meta, userId: 'UAPPROVER' }), REQUESTER, 'no'),
      // Another project, or a gate round that never opened.
      await submit(
        h,
        tampered({ ...meta, gate: { ...meta.gate, projectId: 'T0001-C0OTHER-1.1' } }),
        REQUESTER,
        'no',
      ),
      await submit(h, tampered({ ...meta, gate: { ...meta.gate, gateRound: 7 } }), REQUESTER, 'no'),
    ];
    expect(answers.map((a) => [a.status, a.body?.response_action])).toEqual(
      answers.map(() => [200, 'errors']),
    );
    expect(answers[0]?.body.errors.reason).toMatch(/does not match an approval request you opened/);
    expect(answers[3]?.body.errors.reason).toMatch(/does not belong to this project/);
    expect(answers[4]?.body.errors.reason).toMatch(/is out of date/);
    await waitForIdleQueues(h);
    expect(h.threadText(threadTs)).not.toMatch(/Rejected by|rejected `/);
    expect(await gateState(h, threadTs)).toBe('running');
    expect(h.threadText(threadTs)).toMatch(/awaiting approval · `phase3.mlops-engineer`/);
  });

  it('refuses a stranger’s Reject with the usual refusal, and opens no modal', async () => {
    const h = await startHarness();
    const threadTs = await runToFirstGate(h);
    const triggerId = await clickReject(h, threadTs, 'USTRANGER');
    expect(await h.waitForEphemeral('USTRANGER', /Only <@UREQUESTER> can approve or reject/)).toBeTruthy();
    expect(h.slack.callsTo('views.open').filter((c) => c.args.trigger_id === triggerId)).toEqual([]);
    await waitForIdleQueues(h);
    expect(h.threadText(threadTs)).not.toMatch(/Rejected by|rejected `/);
  });

  it('rejects without a reason, and says so, when Slack will not open the modal', async () => {
    const h = await startHarness();
    const threadTs = await runToFirstGate(h);
    const responses = h.slack.callsTo('response_url').length;
    h.slack.failNext('views.open', 'expired_trigger_id');
    await clickReject(h, threadTs, REQUESTER);
    await h.waitForThread(threadTs, /<@UREQUESTER> rejected `phase3.mlops-engineer`, so the run has stopped/);
    await waitFor(() =>
      h.slack
        .callsTo('response_url')
        .slice(responses)
        .some((c) => String(c.args.text).includes(REJECTED_WITHOUT_REASON_TEXT)),
    );
    expect(await gateState(h, threadTs)).toBe('stopped');
  });
});
