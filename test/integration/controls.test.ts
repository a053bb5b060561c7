import { describe, expect, it } from 'vitest';
import { blockActionPayload, postSignedAction } from '../support/slack-signing.js';
import type { SlackCall } from '../support/slack-stand-in.js';
import { waitFor } from '../support/wait.js';
import {
  CHANNEL,
  type Harness,
  messageText,
  parallelExperimentsPlan,
  projectManagerResponder,
  REQUESTER,
  requestsFor,
  runToFirstGate,
  SIGNING_SECRET,
  stageOf,
  startHarness,
  TEAM,
  waitForIdleQueues,
} from './harness.js';

/** The live status message (the first "Status:" post of the thread) as it reads now, edits applied. */
function liveStatus(harness: Harness, threadTs: string): string {
  return (
    harness
      .threadText(threadTs)
      .split('\n---\n')
      .find((m) => m.startsWith('*Status:')) ?? ''
  );
}

/** Posts `text` in the thread and waits for the bot's next post that contains `expected`; returns its text. */
async function say(harness: Harness, threadTs: string, text: string, expected: string): Promise<string> {
  const before = harness.posts(threadTs).length;
  await harness.reply(threadTs, text);
  const answer = await waitFor(
    () =>
      harness
        .posts(threadTs)
        .slice(before)
        .find((c) => messageText(c).includes(expected)),
    {
      message: () =>
        `no reply containing "${expected}" to "${text}"; the thread reads:\n${harness.threadText(threadTs).slice(-2000)}`,
    },
  );
  return messageText(answer);
}

/** Gate messages posted for `stageId`, oldest first. */
function gatePosts(harness: Harness, threadTs: string, stageId: string): SlackCall[] {
  return harness
    .posts(threadTs)
    .filter((c) => JSON.stringify(c.args.blocks ?? []).includes(`Approval needed: ${stageId}`));
}

/** Clicks a button on one particular gate message (the harness's `click` uses the first one). */
async function clickOn(
  harness: Harness,
  threadTs: string,
  gate: SlackCall,
  actionId: string,
): Promise<number> {
  const actions = (
    gate.args.blocks as Array<{ type: string; elements?: Array<{ action_id: string; value: string }> }>
  ).find((b) => b.type === 'actions');
  const button = actions?.elements?.find((e) => e.action_id === actionId);
  if (!button) throw new Error(`the gate message has no ${actionId} button`);
  const payload = blockActionPayload({
    userId: REQUESTER,
    channelId: CHANNEL,
    messageTs: String(gate.response.ts),
    threadTs,
    actionId,
    value: button.value,
    teamId: TEAM,
  });
  return (await postSignedAction(harness.appUrl, SIGNING_SECRET, payload)).status;
}

const hasButtons = (call: SlackCall) => JSON.stringify(call.args.blocks ?? []).includes('gate_approve');

describe('thread controls', () => {
  it('cancel stops the run: says what will not start and what was abandoned, and queued stages never call the model', async () => {
    // One model job at a time, so while one experiment runs the other two wait in the queue.
    const h = await startHarness({ WORKER_CONCURRENCY: '1' });
    h.model.setResponder(projectManagerResponder({ plan: parallelExperimentsPlan() }));
    h.model.setLatencyMs(800);
    const { threadTs } = await h.mention('build a churn model and serve it behind an API');
    await h.waitForThread(threadTs, /A few questions before I plan/);
    await h.reply(threadTs, 'go');

    await waitFor(
      () => {
        const status = liveStatus(h as Harness, threadTs);
        return (
          (status.match(/running · `phase2\./g) ?? []).length === 1 &&
          (status.match(/queued · `phase2\./g) ?? []).length === 2
        );
      },
      {
        timeoutMs: 15_000,
        message: () => `never one experiment running and two queued:\n${liveStatus(h as Harness, threadTs)}`,
      },
    );
    const running = /running · `(phase2\.[a-z]+)`/.exec(liveStatus(h, threadTs))?.[1] ?? '';
    const queued = [...liveStatus(h, threadTs).matchAll(/queued · `(phase2\.[a-z]+)`/g)].map(
      (m) => m[1] ?? '',
    );

    const notice = await say(h, threadTs, 'cancel', 'Cancelled by');
    expect(notice).toContain(
      'Cancelled by <@UREQUESTER>. 3 stage(s) will not start; 1 running stage(s) abandoned.',
    );
    expect(notice).toContain('Say `resume` to pick up where it stopped.');
    const callsAtCancel = h.model.requests.length;

    await waitForIdleQueues(h);
    const status = await say(h, threadTs, 'status', 'Status:');
    expect(status).toMatch(/^\*Status: cancelled\*/);
    // The reply's table: stage, state, tokens, cost, note.
    expect(status).toMatch(new RegExp(`${running}\\n✖️ cancelled\\n.*\\n.*\\nabandoned by cancel`));
    for (const id of [...queued, 'phase2.review']) expect(status).toContain(`${id}\n✖️ cancelled`);
    await waitFor(() => /^\*Status: cancelled\*/.test(liveStatus(h as Harness, threadTs)));
    expect(h.threadText(threadTs)).not.toContain('phase2.review* (');

    // Nothing that was waiting when the run was cancelled reached the model afterwards.
    const afterCancel = h.model.requests.slice(callsAtCancel).map((r) => stageOf(r) ?? 'project manager');
    expect(afterCancel, 'model calls made after the cancel').toEqual([]);
    for (const id of [...queued, 'phase2.review']) expect(requestsFor(h, id)).toHaveLength(0);
  });

  it('resume after cancel goes on from where the run was, without running finished stages again', async () => {
    const h = await startHarness();
    h.model.setLatencyMs(800);
    const { threadTs } = await h.mention('build a churn model and serve it behind an API');
    await h.waitForThread(threadTs, /A few questions before I plan/);
    await h.reply(threadTs, 'go');
    await waitFor(() => /running · `phase1.data-scientist`/.test(liveStatus(h as Harness, threadTs)), {
      timeoutMs: 15_000,
      message: 'the data scientist never ran',
    });
    const cancelled = await say(h, threadTs, 'cancel', 'Cancelled by');
    expect(cancelled).toContain('5 stage(s) will not start; 1 running stage(s) abandoned.');
    await waitForIdleQueues(h);
    expect(requestsFor(h, 'phase1.data-engineer')).toHaveLength(1);
    expect(requestsFor(h, 'phase1.data-scientist')).toHaveLength(1);
    expect(requestsFor(h, 'phase2.ml-engineer')).toHaveLength(0);

    h.model.setLatencyMs(0);
    expect(await say(h, threadTs, 'resume', 'Resumed by')).toContain('Resumed by <@UREQUESTER>.');
    await h.waitForThread(threadTs, /Approval needed: phase3.mlops-engineer/, 20_000);

    // The finished stage was not run again; the abandoned one ran once more, reading the first one's output.
    expect(requestsFor(h, 'phase1.data-engineer')).toHaveLength(1);
    const scientist = requestsFor(h, 'phase1.data-scientist');
    expect(scientist).toHaveLength(2);
    expect(scientist[1]?.lastUserText).toContain('<output stage="phase1.data-engineer">');
    expect(scientist[1]?.lastUserText).not.toContain('(no output recorded)');
    expect(requestsFor(h, 'phase2.ml-engineer')).toHaveLength(1);
    expect(requestsFor(h, 'phase2.python-pro')).toHaveLength(1);
    const status = await say(h, threadTs, 'status', 'Status:');
    expect(status).toMatch(/^\*Status: running\*/);
    expect(status).toContain('phase3.mlops-engineer 🔒\n🔒 awaiting approval');
    expect(status).toContain('phase1.data-scientist\n✅ done');
  });

  it('retry of a rejected stage asks for approval again, and approving it lets the run go on', async () => {
    const h = await startHarness();
    const threadTs = await runToFirstGate(h);
    await h.click(threadTs, 'phase3.mlops-engineer', 'reject', REQUESTER);
    await h.waitForThread(threadTs, /rejected `phase3.mlops-engineer`, so the run has stopped/);
    await h.waitForThread(threadTs, /Rejected by <@UREQUESTER>/);

    const retried = await say(h, threadTs, 'retry phase3.mlops-engineer', 'Retrying');
    expect(retried).toContain('Retrying `phase3.mlops-engineer` (attempt 2), asked by <@UREQUESTER>.');
    const gates = await waitFor(
      () => {
        const posted = gatePosts(h as Harness, threadTs, 'phase3.mlops-engineer');
        return posted.length === 2 ? posted : undefined;
      },
      { message: 'no new approval request after the retry' },
    );
    const [oldGate, newGate] = gates as [SlackCall, SlackCall];
    expect(newGate.response.ts).not.toBe(oldGate.response.ts);
    expect(hasButtons(newGate)).toBe(true);
    // The rejected request still shows its decision and no buttons; the deploying stage has not run.
    const oldEdits = h.slack.callsTo('chat.update').filter((c) => c.args.ts === oldGate.response.ts);
    expect(hasButtons(oldEdits.at(-1) as SlackCall)).toBe(false);
    expect(messageText(oldEdits.at(-1) as SlackCall)).toContain('Rejected by <@UREQUESTER>');
    expect(requestsFor(h, 'phase3.mlops-engineer')).toHaveLength(0);

    expect(await clickOn(h, threadTs, newGate, 'gate_approve')).toBe(200);
    await h.waitForThread(threadTs, /Approved by <@UREQUESTER>/);
    await h.waitForThread(threadTs, /phase3.mlops-engineer\* \(mlops-engineer\) finished/);
    await h.waitForThread(threadTs, /Approval needed: phase3.kubernetes-architect/);
    expect(requestsFor(h, 'phase3.mlops-engineer')).toHaveLength(1);
  });

  it('retry explains what it cannot do: an unknown stage lists the stages, a done stage is not run again', async () => {
    const h = await startHarness();
    const threadTs = await runToFirstGate(h);

    const unknown = await say(h, threadTs, 'retry phase9.nothing', 'There is no stage');
    expect(unknown).toContain(
      'There is no stage `phase9.nothing`. Stages: `phase1.data-engineer`, `phase1.data-scientist`, `phase2.ml-engineer`, `phase2.python-pro`, `phase3.mlops-engineer`, `phase3.kubernetes-architect`, `phase4.observability-engineer`.',
    );
    const done = await say(h, threadTs, 'retry phase1.data-engineer', 'only a failed');
    expect(done).toContain(
      '`phase1.data-engineer` is done; only a failed, rejected or cancelled stage can be retried.',
    );
    await waitForIdleQueues(h);
    expect(requestsFor(h, 'phase1.data-engineer')).toHaveLength(1);
    expect(h.threadText(threadTs)).not.toContain('Retrying');
    expect(gatePosts(h, threadTs, 'phase3.mlops-engineer').filter(hasButtons)).toHaveLength(1);
  });

  it('`go` once the plan exists says it only skips questions, and changes nothing', async () => {
    const h = await startHarness();
    const threadTs = await runToFirstGate(h);
    const calls = h.model.requests.length;
    const answer = await say(h, threadTs, 'go', 'only skips questions');
    expect(answer).toContain('The run is already running; `go` only skips questions.');
    await waitForIdleQueues(h);
    expect(h.model.requests).toHaveLength(calls);
    expect(liveStatus(h, threadTs)).toContain('awaiting approval · `phase3.mlops-engineer`');
  });

  it('`status` while clarifying says so, and is not taken as an answer to the questions', async () => {
    const h = await startHarness();
    const { threadTs } = await h.mention('build a churn model and serve it behind an API');
    await h.waitForThread(threadTs, /A few questions before I plan/);
    const status = await say(h, threadTs, 'status', 'Status:');
    expect(status).toMatch(/^\*Status: clarifying requirements\*/);
    await waitForIdleQueues(h);
    expect(h.model.requests.some((r) => r.lastUserText.includes('clarification round 2'))).toBe(false);
    expect(h.threadText(threadTs)).not.toContain('Plan:');
  });
});
