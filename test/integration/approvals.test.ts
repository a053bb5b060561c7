import { webApi } from '@slack/bolt';
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

/** Approvals that scale (issue 10, item 5): a user group, a quorum, no self-approval, DMs, expiry. */

const GATE = 'phase3.mlops-engineer';
/** A fresh stand-in numbers user groups from 1: the first one created is this id. */
const GROUP = 'S00000001';

/** Gate messages posted for `stageId` in the thread, oldest first. */
function gatePosts(h: Harness, threadTs: string, stageId = GATE): SlackCall[] {
  return h
    .posts(threadTs)
    .filter((c) => JSON.stringify(c.args.blocks ?? []).includes(`Approval needed: ${stageId}`));
}

/** What the gate message of `stageId` shows now (its latest edit), and whether it still has buttons. */
function gateNow(h: Harness, threadTs: string, stageId = GATE): { text: string; live: boolean } {
  const post = gatePosts(h, threadTs, stageId).at(-1);
  if (!post) throw new Error(`no gate for ${stageId}`);
  const edits = h.slack
    .callsTo('chat.update')
    .filter((c) => c.response.ok === true && c.args.ts === post.response.ts);
  const latest = edits.at(-1) ?? post;
  return {
    text: messageText(latest),
    live: JSON.stringify(latest.args.blocks ?? []).includes('gate_approve'),
  };
}

/** The direct messages the bot sent to `userId` (conversations.open, then a post in that DM), as text. */
function dmsTo(h: Harness, userId: string): string[] {
  const channels = new Set(
    h.slack
      .callsTo('conversations.open')
      .filter((c) => c.args.users === userId && c.response.ok === true)
      .map((c) => (c.response.channel as { id: string }).id),
  );
  return h.slack
    .callsTo('chat.postMessage')
    .filter((c) => c.response.ok === true && channels.has(String(c.args.channel)))
    .map((c) => messageText(c));
}

/** Creates the workspace's first user group (GROUP) with `members`, through the Web API as an admin would. */
async function createGroup(h: Harness, members: string[]): Promise<void> {
  const client = new webApi.WebClient(h.slack.botToken, { slackApiUrl: h.slack.apiUrl });
  const created = await client.usergroups.create({ name: 'ML approvers', handle: 'ml-approvers' });
  expect(created.usergroup?.id).toBe(GROUP);
  await client.usergroups.users.update({ usergroup: GROUP, users: members.join(',') });
}

describe('approvals that scale', () => {
  it('lets a member of APPROVER_GROUP use the controls of an approver, and no one outside it', async () => {
    const h = await startHarness({ APPROVER_GROUP: GROUP });
    await createGroup(h, ['UGROUPMEMBER']);
    const threadTs = await runToFirstGate(h);
    const refusals = () =>
      h.slack
        .callsTo('chat.postEphemeral')
        .filter((c) => c.args.user === 'UOUTSIDER' && String(c.args.text).includes('can `cancel` this run'));
    await h.reply(threadTs, 'cancel', 'UOUTSIDER');
    await waitFor(() => refusals().length === 1, { message: 'the outsider was not refused' });
    expect(gateNow(h, threadTs).live).toBe(true);
    await h.reply(threadTs, 'cancel', 'UGROUPMEMBER');
    await waitFor(() => /Status: cancelled/.test(h.threadText(threadTs)), {
      message: 'the group member could not cancel',
    });
  });

  it('lets a member of APPROVER_GROUP approve, refuses a non-member, and refuses everyone while Slack cannot say who is in it', async () => {
    const h = await startHarness({ APPROVER_GROUP: GROUP });
    await createGroup(h, ['UGROUPMEMBER', 'UOTHERMEMBER']);
    const threadTs = await runToFirstGate(h);
    expect(gateNow(h, threadTs).text).toContain(`Who can decide: members of <!subteam^${GROUP}>`);

    // The group's members heard of the gate in a DM (which read the group, and cached it for a minute).
    await waitFor(() => ['UGROUPMEMBER', 'UOTHERMEMBER'].every((m) => dmsTo(h as Harness, m).length === 1), {
      message: 'the group members got no DM',
    });
    for (const member of ['UGROUPMEMBER', 'UOTHERMEMBER']) {
      const [dm] = dmsTo(h, member);
      expect(dm).toContain(`Your approval is asked for: \`${GATE}\``);
      expect(dm).toMatch(
        /<https:\/\/test\.slack\.com\/archives\/C0PROJECTS\/p\d+\?thread_ts=[\d.]+&cid=C0PROJECTS\|Open it in the thread>/,
      );
    }

    // Slack cannot be asked (and nothing is cached): the click is refused through its response_url.
    await h.redis.del(`${h.config.redis.keyPrefix}:slack:usergroup:T0001:${GROUP}`);
    h.slack.failNext('usergroups.users.list', 'ratelimited');
    await h.click(threadTs, GATE, 'approve', 'UGROUPMEMBER');
    const told = await waitFor(() => h.slack.callsTo('response_url')[0], {
      message: 'the clicker was not told that the group could not be checked',
    });
    expect(told.args).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(String(told.args.text)).toMatch(/could not check the approver group.*Nothing changed.*try again/);
    await waitForIdleQueues(h);
    expect(gateNow(h, threadTs).live).toBe(true);

    // Someone outside the group, and the requester (no longer an approver once a group is set), are refused.
    await h.click(threadTs, GATE, 'approve', 'USTRANGER');
    expect(
      await h.waitForEphemeral('USTRANGER', /Only members of <!subteam\^S00000001> can approve/),
    ).toContain('Nothing changed');
    await h.click(threadTs, GATE, 'approve', REQUESTER);
    await h.waitForEphemeral(REQUESTER, /Only members of <!subteam\^S00000001> can approve/);
    expect(requestsFor(h, GATE)).toHaveLength(0);

    await h.click(threadTs, GATE, 'approve', 'UGROUPMEMBER');
    await h.waitForThread(threadTs, /Approved by <@UGROUPMEMBER>/);
    await waitFor(() => requestsFor(h as Harness, GATE).length === 1, {
      message: 'the approved stage never ran',
    });

    // The requester heard who approved, in a DM.
    await waitFor(() => dmsTo(h as Harness, REQUESTER).length === 1, { message: 'the requester got no DM' });
    expect(dmsTo(h, REQUESTER)[0]).toContain(`<@UGROUPMEMBER> approved \`${GATE}\` in your project`);
  });

  it('needs two distinct approvers when APPROVALS_REQUIRED=2: one shows 1 of 2, the same one twice is still 1 of 2, the second opens the stage', async () => {
    const h = await startHarness({ APPROVER_IDS: 'UAPPROVER1,UAPPROVER2', APPROVALS_REQUIRED: '2' });
    const threadTs = await runToFirstGate(h);
    expect(gateNow(h, threadTs).text).toContain('Needs 2 approvers.');

    // Each approver got a DM with a link to the gate when it opened; nobody else did.
    await waitFor(
      () => dmsTo(h as Harness, 'UAPPROVER1').length === 1 && dmsTo(h as Harness, 'UAPPROVER2').length === 1,
      {
        message: 'the approvers got no DM',
      },
    );
    expect(dmsTo(h, 'UAPPROVER1')[0]).toContain('It needs 2 approvers');
    expect(dmsTo(h, REQUESTER)).toEqual([]);

    await h.click(threadTs, GATE, 'approve', 'UAPPROVER1');
    await waitFor(() => gateNow(h as Harness, threadTs).text.includes('approved by <@UAPPROVER1> · 1 of 2'), {
      message: () => `the gate never showed 1 of 2: ${gateNow(h as Harness, threadTs).text}`,
    });
    expect(gateNow(h, threadTs).live).toBe(true);

    await h.click(threadTs, GATE, 'approve', 'UAPPROVER1');
    expect(
      await h.waitForEphemeral('UAPPROVER1', /already approved `phase3.mlops-engineer` \(1 of 2\)/),
    ).toContain('Nothing changed');
    await waitForIdleQueues(h);
    expect(gateNow(h, threadTs).text).toContain('approved by <@UAPPROVER1> · 1 of 2');
    expect(gateNow(h, threadTs).live).toBe(true);
    expect(requestsFor(h, GATE)).toHaveLength(0);

    await h.click(threadTs, GATE, 'approve', 'UAPPROVER2');
    await waitFor(
      () => gateNow(h as Harness, threadTs).text.includes('Approved by <@UAPPROVER1> and <@UAPPROVER2>'),
      {
        message: () => `the gate never showed both approvals: ${gateNow(h as Harness, threadTs).text}`,
      },
    );
    expect(gateNow(h, threadTs).live).toBe(false);
    await waitFor(() => requestsFor(h as Harness, GATE).length === 1, {
      message: 'the approved stage never ran',
    });
    await waitFor(() => dmsTo(h as Harness, REQUESTER).length === 1, { message: 'the requester got no DM' });
    expect(dmsTo(h, REQUESTER)[0]).toContain(`<@UAPPROVER2> approved \`${GATE}\``);
  });

  it('refuses the requester their own approval when ALLOW_SELF_APPROVAL=false, even as an approver, and says why', async () => {
    const h = await startHarness({ APPROVER_IDS: `${REQUESTER},UAPPROVER`, ALLOW_SELF_APPROVAL: 'false' });
    const threadTs = await runToFirstGate(h);
    await h.click(threadTs, GATE, 'approve', REQUESTER);
    expect(
      await h.waitForEphemeral(
        REQUESTER,
        /a requester may not approve their own deploy \(ALLOW_SELF_APPROVAL is off\)/,
      ),
    ).toContain('Nothing changed');
    await waitForIdleQueues(h);
    expect(gateNow(h, threadTs).live).toBe(true);
    expect(requestsFor(h, GATE)).toHaveLength(0);

    await h.click(threadTs, GATE, 'approve', 'UAPPROVER');
    await h.waitForThread(threadTs, /Approved by <@UAPPROVER>/);
  });

  it('does nothing with a tampered button value', async () => {
    const h = await startHarness();
    const threadTs = await runToFirstGate(h);
    const [gate] = gatePosts(h, threadTs);
    if (!gate) throw new Error('no gate');
    const value = (gate.args.blocks as Array<{ elements?: Array<{ value?: string }> }>)
      .flatMap((b) => b.elements ?? [])
      .find((e) => e.value)?.value;
    const real = JSON.parse(value ?? '{}') as Record<string, unknown>;

    // Not ours at all: ignored without a word.
    await h.clickButton(gate, 'gate_approve', REQUESTER, { value: '{"projectId":"x"' });
    // A later round than the one posted, and a stage that is not waiting: refused, nothing changes.
    await h.clickButton(gate, 'gate_approve', REQUESTER, {
      value: JSON.stringify({ ...real, gateRound: 7 }),
    });
    await h.waitForEphemeral(REQUESTER, /is out of date: use the latest one in this thread/);
    await h.clickButton(gate, 'gate_approve', REQUESTER, {
      value: JSON.stringify({ ...real, stageId: 'phase1.data-engineer' }),
    });
    await h.waitForEphemeral(REQUESTER, /`phase1.data-engineer` is not waiting for approval/);
    await waitForIdleQueues(h);
    expect(h.ephemeralsTo(REQUESTER)).toHaveLength(2);
    expect(gateNow(h, threadTs).live).toBe(true);
    expect(requestsFor(h, GATE)).toHaveLength(0);
  });

  it('reminds the approvers at half time, expires an undecided gate as not approved, and `retry` opens a new round', async () => {
    // 0.002 h = 7.2 s: the reminder comes at 3.6 s, the expiry at 7.2 s.
    const h = await startHarness({ APPROVER_IDS: 'UAPPROVER', GATE_TIMEOUT_HOURS: '0.002' });
    const threadTs = await runToFirstGate(h);

    await h.waitForThread(threadTs, /Reminder: `phase3.mlops-engineer` is still waiting for approval/);
    const reminder = h.posts(threadTs).find((c) => messageText(c).includes('Reminder:'));
    expect(messageText(reminder as SlackCall)).toContain('<@UAPPROVER>: the Approve and Reject buttons');
    expect(messageText(reminder as SlackCall)).not.toContain('<@UREQUESTER>');

    await h.waitForThread(
      threadTs,
      /was not approved within 7.2 seconds, so its approval request expired and the run has stopped/,
    );
    await waitFor(() => !gateNow(h as Harness, threadTs).live, {
      message: 'the expired gate kept its buttons',
    });
    expect(gateNow(h, threadTs).text).toContain('Closed without a decision: not approved within 7.2 seconds');
    // A click on the expired gate changes nothing.
    await h.click(threadTs, GATE, 'approve', 'UAPPROVER');
    await h.waitForEphemeral('UAPPROVER', /is not waiting for approval \(it is rejected\)/);
    await h.reply(threadTs, 'status');
    await h.waitForThread(threadTs, /Status: stopped/);
    expect(requestsFor(h, GATE)).toHaveLength(0);

    await h.reply(threadTs, 'retry phase3.mlops-engineer');
    await waitFor(() => gatePosts(h as Harness, threadTs).length === 2, {
      message: 'retry opened no new gate',
    });
    expect(gateNow(h, threadTs).live).toBe(true);
    // The approver is asked again in a DM for the new round.
    await waitFor(() => dmsTo(h as Harness, 'UAPPROVER').length === 2, {
      message: 'no DM for the new round',
    });
    const latest = gatePosts(h, threadTs).at(-1) as SlackCall;
    await h.clickButton(latest, 'gate_approve', 'UAPPROVER');
    await waitFor(() => requestsFor(h as Harness, GATE).length === 1, {
      message: 'the approved stage never ran',
    });
  });
});
