import { describe, expect, it } from 'vitest';
import { projectIdFor } from '../../src/domain/ids.js';
import { postSignedAction, viewSubmissionPayload } from '../support/slack-signing.js';
import type { SlackCall } from '../support/slack-stand-in.js';
import { waitFor } from '../support/wait.js';
import {
  CHANNEL,
  type Harness,
  messageText,
  REQUESTER,
  reportMetadata,
  runToFirstGate,
  SIGNING_SECRET,
  startHarness,
  TEAM,
} from './harness.js';

const APPROVER = 'UAPPROVER';
const GATE = 'phase3.mlops-engineer';

/** Says `text` in the thread as `user` and returns the bot's first new post whose text includes `expected`. */
async function say(h: Harness, threadTs: string, text: string, expected: string, user = REQUESTER) {
  const before = h.posts(threadTs).length;
  await h.reply(threadTs, text, user);
  const post = await waitFor(
    () =>
      h
        .posts(threadTs)
        .slice(before)
        .find((c) => messageText(c).includes(expected)),
    { message: `no answer to ${text} with ${expected}` },
  );
  return messageText(post);
}

const gatePosts = (h: Harness, threadTs: string, stageId: string): SlackCall[] =>
  h
    .posts(threadTs)
    .filter((c) => JSON.stringify(c.args.blocks ?? []).includes(`Approval needed: ${stageId}`));

/** Rejects the first gate of GATE through the modal, as `user`, with `reason`. */
async function rejectWithReason(h: Harness, threadTs: string, user: string, reason: string) {
  const triggerId = h.slack.triggerId(user);
  const click = { ...h.clickPayload(threadTs, GATE, 'reject', user), trigger_id: triggerId };
  await postSignedAction(h.appUrl, SIGNING_SECRET, click);
  const opened = h.slack.callsTo('views.open').find((c) => c.args.trigger_id === triggerId);
  const view = opened?.response.view as Record<string, unknown>;
  const submission = viewSubmissionPayload({
    userId: user,
    view,
    values: { reason: { reason_input: { type: 'plain_text_input', value: reason } } },
  });
  expect((await postSignedAction(h.appUrl, SIGNING_SECRET, submission)).body).toBe('');
}

describe('the audit trail', () => {
  it('lists every decision and control in order with who did it; the report includes it', async () => {
    const h = await startHarness({ APPROVER_IDS: `${APPROVER},${REQUESTER}` });
    const threadTs = await runToFirstGate(h);
    await rejectWithReason(h, threadTs, APPROVER, 'No rollback plan <!here>');
    await h.waitForThread(threadTs, /Rejected by <@UAPPROVER>:/);
    await say(h, threadTs, `retry ${GATE}`, 'Retrying');
    const second = await waitFor(() => gatePosts(h, threadTs, GATE)[1], { message: 'no second gate' });
    await h.clickButton(second, 'gate_approve', APPROVER);
    await h.waitForThread(threadTs, /Approval needed: phase3.kubernetes-architect/);
    await say(h, threadTs, 'cancel', 'Cancelled by');

    // Anyone who can read the thread may ask.
    const audit = await say(h, threadTs, 'audit', 'Audit trail', 'UREADER');
    const lines = audit.split('\n').filter((l) => l.startsWith('• '));
    expect(lines.map((l) => l.replace(/^• <!date\^\d+\^[^|]+\|[^>]+> /, ''))).toEqual([
      '<@UREQUESTER> said `go`: use the defaults',
      '<@UAPPROVER> rejected `phase3.mlops-engineer`: “No rollback plan &lt;!here&gt;”',
      '<@UREQUESTER> asked to retry `phase3.mlops-engineer` (attempt 2)',
      '<@UAPPROVER> approved `phase3.mlops-engineer`',
      '<@UREQUESTER> cancelled the run',
    ]);
    expect(audit).toContain('5 entries');

    // Resume and approve the last gate: the run finishes, and its report carries the whole trail.
    await say(h, threadTs, 'resume', 'Resumed by');
    const k8s = await waitFor(() => gatePosts(h, threadTs, 'phase3.kubernetes-architect').at(-1), {
      message: 'no kubernetes gate',
    });
    await waitFor(() => gatePosts(h, threadTs, 'phase3.kubernetes-architect').length === 2);
    await h.clickButton(
      gatePosts(h, threadTs, 'phase3.kubernetes-architect')[1] ?? k8s,
      'gate_approve',
      REQUESTER,
    );
    const report = (await reportMetadata(h)) as unknown as {
      audit: Array<{ action: string; by: string; stageId?: string; reason?: string; messageTs?: string }>;
    };
    expect(report.audit.map((e) => [e.action, e.by, e.stageId ?? '', e.reason ?? ''])).toEqual([
      ['go', REQUESTER, '', ''],
      ['reject', APPROVER, GATE, 'No rollback plan <!here>'],
      ['retry', REQUESTER, GATE, ''],
      ['approve', APPROVER, GATE, ''],
      ['cancel', REQUESTER, '', ''],
      ['resume', REQUESTER, '', ''],
      ['approve', REQUESTER, 'phase3.kubernetes-architect', ''],
    ]);
    // Each entry names the message it came from: the approval request clicked, the command written.
    expect(report.audit[3]?.messageTs).toBe(String(second.response.ts));
    const markdown = h.slack
      .callsTo('upload')
      .find((c) => String(c.args.content).startsWith('# Pipewright report'));
    expect(String(markdown?.args.content)).toContain('## Audit trail');
    expect(String(markdown?.args.content)).toContain(
      '@UAPPROVER rejected `phase3.mlops-engineer`: "No rollback plan <!here>"',
    );

    // The stream lives with the project's other keys.
    const key = `${h.config.redis.keyPrefix}:project:${projectIdFor(TEAM, CHANNEL, threadTs)}:audit`;
    expect(await h.redis.xlen(key)).toBe(7);
  });
});
