import { describe, expect, it, onTestFinished } from 'vitest';
import { projectIdFor } from '../../src/domain/ids.js';
import { keySpace } from '../../src/memory/keys.js';
import { eventEnvelope, postSignedEvent } from '../support/slack-signing.js';
import { waitFor } from '../support/wait.js';
import {
  CHANNEL,
  type Harness,
  promptOf,
  REQUESTER,
  runThroughGates,
  SIGNING_SECRET,
  startHarness,
  TEAM,
} from './harness.js';

/** Slack's agent sessions: one per project thread, its status following the run, and Slack's Stop. */

const STRANGER = 'USTRANGER';

function sessionStatuses(h: Harness, threadTs: string): string[] {
  return h.slack
    .callsTo('agents.sessions.setStatus')
    .filter((c) => c.args.thread_ts === threadTs && c.response.ok === true)
    .map((c) => String(c.args.status));
}

/** Presses Slack's Stop on the thread's session, as `user`: the signed `agent_session_stopped` event. */
async function pressStop(h: Harness, channel: string, threadTs: string, user: string): Promise<number> {
  const envelope = eventEnvelope(
    {
      type: 'agent_session_stopped',
      channel,
      thread_ts: threadTs,
      user,
      streaming_message_ts: [],
      event_ts: `${Date.now() / 1000}`,
    },
    { teamId: TEAM },
  );
  return (await postSignedEvent(h.appUrl, SIGNING_SECRET, envelope)).status;
}

async function projectPhase(h: Harness, channel: string, threadTs: string): Promise<string | undefined> {
  const raw = await h.redis.get(
    keySpace(h.config.redis.keyPrefix).project(projectIdFor(TEAM, channel, threadTs)),
  );
  return raw ? (JSON.parse(raw) as { phase: string }).phase : undefined;
}

function eventsApplied(h: Harness, type: string): number {
  return h.logs.filter((l) => l.msg === 'event applied' && l.event === type).length;
}

describe('agent sessions', () => {
  it('follows a run: processing while the model works, suspended while it waits for people, closed at the end', async () => {
    const h = await startHarness();
    const { threadTs } = await h.mention(
      'build a churn model for our subscription data and serve it behind an API',
    );
    await runThroughGates(h, threadTs);
    await waitFor(() => sessionStatuses(h, threadTs).at(-1) === 'closed', {
      message: () => `the session never closed: ${sessionStatuses(h, threadTs).join(' → ')}`,
    });

    const statuses = sessionStatuses(h, threadTs);
    // Questions, then each gate, suspend the session; the model's work resumes it; the end closes it.
    expect(statuses).toEqual([
      'processing',
      'suspended',
      'processing',
      'suspended',
      'processing',
      'suspended',
      'processing',
      'closed',
    ]);
    const first = h.slack.callsTo('agents.sessions.setStatus')[0];
    expect(first?.args).toMatchObject({
      channel_id: CHANNEL,
      thread_ts: threadTs,
      initiator_user_id: REQUESTER,
      title: 'build a churn model for our subscription data and serve it behind an API',
    });
    // The stand-in keeps the session as Slack would show it.
    const session = await h.slack.workspace.agentSession(CHANNEL, threadTs);
    expect(session?.status).toBe('closed');
  });

  it('Stop from the requester in a channel thread aborts the stage in flight, cancels the run and closes the session', async () => {
    const h = await startHarness();
    const hold = h.model.hold((r) => promptOf(r).includes("project's data engineer"));
    onTestFinished(() => hold.release());
    const { threadTs } = await h.mention(
      'build a churn model for our subscription data and serve it behind an API',
    );
    await h.waitForThread(threadTs, /A few questions before I plan/);
    await h.reply(threadTs, 'Postgres, table subscriptions. p99 under 100 ms.');
    await hold.arrived; // the data engineer's model call is in flight
    expect(sessionStatuses(h, threadTs).at(-1)).toBe('processing');

    expect(await pressStop(h, CHANNEL, threadTs, REQUESTER)).toBe(200);
    await h.waitForThread(threadTs, /Cancelled by <@UREQUESTER>/);
    await waitFor(
      () =>
        h.logs.some((l) => l.msg === 'model call aborted: the run was cancelled; its result is discarded'),
      {
        message: 'the model call in flight was never aborted',
      },
    );
    await waitFor(() => sessionStatuses(h, threadTs).at(-1) === 'closed', {
      message: () => `the session never closed: ${sessionStatuses(h, threadTs).join(' → ')}`,
    });
    hold.release();

    expect(await projectPhase(h, CHANNEL, threadTs)).toBe('cancelled');
    // Nothing was recorded as done: no stage result reached the run, and the stage reads cancelled.
    expect(eventsApplied(h, 'stage_done')).toBe(0);
    const raw = await h.redis.get(
      keySpace(h.config.redis.keyPrefix).project(projectIdFor(TEAM, CHANNEL, threadTs)),
    );
    const stages = (JSON.parse(raw ?? '{}') as { stages: Record<string, { state: string }> }).stages;
    expect(stages['phase1.data-engineer']?.state).toBe('cancelled');
    expect(Object.values(stages).some((s) => s.state === 'done')).toBe(false);
  });

  it('Stop in a DM aborts the clarification in flight and closes the session', async () => {
    const h = await startHarness();
    const hold = h.model.hold((r) => r.lastUserText.includes('clarification round 1'));
    onTestFinished(() => hold.release());
    const dmChannel = 'D0REQUESTER';
    const { ts } = await h.dm('build a churn model for our subscription data and serve it behind an API', {
      channel: dmChannel,
    });
    await hold.arrived;
    await waitFor(() => sessionStatuses(h, ts).includes('processing'), { message: 'no session was opened' });
    expect(h.slack.callsTo('agents.sessions.setStatus')[0]?.args).toMatchObject({
      channel_id: dmChannel,
      thread_ts: ts,
    });

    expect(await pressStop(h, dmChannel, ts, REQUESTER)).toBe(200);
    await h.waitForThread(ts, /Cancelled by <@UREQUESTER>/);
    await waitFor(() => sessionStatuses(h, ts).at(-1) === 'closed', {
      message: () => `the session never closed: ${sessionStatuses(h, ts).join(' → ')}`,
    });
    await waitFor(
      () =>
        h.logs.some((l) => l.msg === 'model call aborted: the run was cancelled; its result is discarded'),
      {
        message: 'the clarification call was never aborted',
      },
    );
    hold.release();
    expect(await projectPhase(h, dmChannel, ts)).toBe('cancelled');
    expect(eventsApplied(h, 'clarify_done')).toBe(0);
    expect(h.threadText(ts)).not.toContain('A few questions');
  });

  it('refuses Stop from someone who may not cancel, and the run goes on', async () => {
    const h = await startHarness();
    const hold = h.model.hold((r) => r.lastUserText.includes('clarification round 1'));
    onTestFinished(() => hold.release());
    const { threadTs } = await h.mention(
      'build a churn model for our subscription data and serve it behind an API',
    );
    await hold.arrived;
    expect(await pressStop(h, CHANNEL, threadTs, STRANGER)).toBe(200);
    const refusal = await h.waitForEphemeral(STRANGER, /can `cancel` this run/);
    expect(refusal).toContain('Nothing changed');
    hold.release();
    await h.waitForThread(threadTs, /A few questions before I plan/);
    expect(await projectPhase(h, CHANNEL, threadTs)).toBe('clarifying');
    await waitFor(() => sessionStatuses(h, threadTs).length === 2, { message: 'the session never waited' });
    expect(sessionStatuses(h, threadTs)).toEqual(['processing', 'suspended']);
    expect(h.threadText(threadTs)).not.toContain('Cancelled');
  });

  it('AGENT_SESSIONS=off makes no session calls; a workspace that refuses them is left alone', async () => {
    const off = await startHarness({ AGENT_SESSIONS: 'off' });
    const { threadTs } = await off.mention('build a churn model for our subscription data');
    await off.waitForThread(threadTs, /A few questions before I plan/);
    expect(off.slack.callsTo('agents.sessions.setStatus')).toEqual([]);
    await off.close();

    const h = await startHarness();
    h.slack.failNext('agents.sessions.setStatus', 'not_allowed');
    const first = await h.mention('build a churn model for our subscription data');
    await h.waitForThread(first.threadTs, /A few questions before I plan/);
    await h.reply(first.threadTs, 'Postgres, table subscriptions. p99 under 100 ms.');
    await h.waitForThread(first.threadTs, /Plan: Predict churn/);
    // One refusal, then no more calls for this workspace; the run went on regardless.
    expect(h.slack.callsTo('agents.sessions.setStatus')).toHaveLength(1);
    expect(
      h.logs.some((l) => l.msg === 'slack does not offer this feature here; leaving it alone for a while'),
    ).toBe(true);
  });
});
