import { webApi } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { asTailoredPlan, defaultPlan, type Plan } from '../../src/domain/plan.js';
import type { StoredMessage } from '../../src/playground/slack-api/store.js';
import { jsonSchemaInstance } from '../support/json-schema-instance.js';
import type { SlackCall } from '../support/slack-stand-in.js';
import { waitFor } from '../support/wait.js';
import {
  CHANNEL,
  FIXTURE_REQUIREMENTS,
  type Harness,
  messageText,
  projectManagerResponder,
  REQUESTER,
  runThroughGates,
  startHarness,
  TEAM,
} from './harness.js';

/** The live status as Slack's plan and task cards (chat.startStream / appendStream / stopStream). */

const INTERVAL_MS = 400;
const STREAM_METHODS = ['chat.startStream', 'chat.appendStream', 'chat.stopStream'];

function streamCalls(h: Harness): SlackCall[] {
  return h.slack.calls.filter((c) => STREAM_METHODS.includes(c.method));
}

async function streamedMessages(h: Harness, threadTs: string): Promise<StoredMessage[]> {
  return (await h.slack.workspace.thread(CHANNEL, threadTs)).filter((m) => m.streaming !== undefined);
}

/** Posts or edits of the status message as today (`Status: …`), outside the streams. */
function editedStatusMessages(h: Harness, threadTs: string): SlackCall[] {
  return h.slack.calls.filter(
    (c) =>
      (c.method === 'chat.postMessage' || c.method === 'chat.update') &&
      (c.method === 'chat.update' || c.args.thread_ts === threadTs) &&
      /^\*Status: /.test(messageText(c)),
  );
}

/** The status message as today: posted once, then edited in place as the run goes on (past its first gate). */
async function expectEditedStatus(h: Harness, threadTs: string): Promise<void> {
  await h.waitForThread(threadTs, /Approval needed: phase3.mlops-engineer/);
  await waitFor(() => editedStatusMessages(h, threadTs).length > 0, { message: 'no status message' });
  await h.click(threadTs, 'phase3.mlops-engineer', 'approve', REQUESTER);
  await waitFor(() => editedStatusMessages(h, threadTs).some((c) => c.method === 'chat.update'), {
    message: 'the status message was never edited',
  });
  const posted = editedStatusMessages(h, threadTs).filter((c) => c.method === 'chat.postMessage');
  expect(posted).toHaveLength(1);
  const edited = editedStatusMessages(h, threadTs).filter((c) => c.method === 'chat.update');
  expect(edited.every((c) => c.args.ts === posted[0]?.response.ts)).toBe(true);
}

describe('task cards', () => {
  it('streams the run as one task per stage, spaced out, and stops the stream closed at the end', async () => {
    const h = await startHarness({ TASK_CARDS: 'on', TASK_CARD_INTERVAL_MS: String(INTERVAL_MS) });
    const { threadTs } = await h.mention('build a churn model for our subscription data and serve it');
    await runThroughGates(h, threadTs);
    await waitFor(() => h.slack.callsTo('chat.stopStream').length > 0, {
      message: 'the stream was never stopped',
    });

    const calls = streamCalls(h);
    expect(calls.every((c) => c.response.ok === true)).toBe(true);
    const starts = h.slack.callsTo('chat.startStream');
    expect(starts).toHaveLength(1);
    expect(starts[0]?.args).toMatchObject({
      channel: CHANNEL,
      thread_ts: threadTs,
      recipient_user_id: REQUESTER,
      recipient_team_id: TEAM,
      task_display_mode: 'plan',
    });
    const stops = h.slack.callsTo('chat.stopStream');
    expect(stops).toHaveLength(1);
    expect(stops[0]?.args.session_status).toBe('closed');
    expect(calls.at(-1)?.method).toBe('chat.stopStream');

    // Updates come at most one per interval, and fewer than the run's changes: the rest were coalesced.
    for (let i = 1; i < calls.length; i++) {
      expect((calls[i]?.at ?? 0) - (calls[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(INTERVAL_MS);
    }
    const changes = h.logs.filter((l) => l.msg === 'event applied').length;
    expect(h.slack.callsTo('chat.appendStream').length).toBeLessThan(changes);

    // The message people see: the plan's title and every stage done, with its time and one-line output.
    const [message, ...others] = await streamedMessages(h, threadTs);
    expect(others).toEqual([]);
    expect(message?.streaming?.state).toBe('stopped');
    expect(message?.streaming?.planTitle).toBe('Status: completed');
    const tasks = message?.streaming?.tasks ?? [];
    expect(tasks.map((t) => t.id)).toEqual(defaultPlan(FIXTURE_REQUIREMENTS).stages.map((s) => s.id));
    for (const task of tasks) {
      expect(task.status).toBe('complete');
      // Each stage handed over the one file the stand-in writes by default.
      expect(task.details).toMatch(/^done in \d+s · 1 file$/);
      expect(task.output?.length).toBeGreaterThan(0);
    }
    expect(task(tasks, 'phase3.mlops-engineer').title).toBe('phase3.mlops-engineer (needs approval)');
    // The session ended closed, and no status message was posted or edited besides the stream.
    expect((await h.slack.workspace.agentSession(CHANNEL, threadTs))?.status).toBe('closed');
    expect(editedStatusMessages(h, threadTs)).toEqual([]);
  });

  it('continues in a new stream message when Slack has ended the one it was using', async () => {
    const h = await startHarness({ TASK_CARDS: 'on', TASK_CARD_INTERVAL_MS: String(INTERVAL_MS) });
    const { threadTs } = await h.mention('build a churn model for our subscription data and serve it');
    await h.waitForThread(threadTs, /A few questions before I plan/);
    await h.reply(threadTs, 'Postgres, table subscriptions. p99 under 100 ms.');
    await waitFor(() => h.slack.callsTo('chat.startStream').length === 1, { message: 'no stream started' });
    // Slack stops the stream itself (someone pressed Stop, or it sat idle too long).
    const first = String(h.slack.callsTo('chat.startStream')[0]?.response.ts);
    const slackItself = new webApi.WebClient('xoxb-test-token', { slackApiUrl: h.slack.apiUrl });
    await slackItself.chat.stopStream({ channel: CHANNEL, ts: first });

    await h.waitForThread(threadTs, /Approval needed: phase3.mlops-engineer/);
    await h.click(threadTs, 'phase3.mlops-engineer', 'approve', REQUESTER);
    await h.waitForThread(threadTs, /Approval needed: phase3.kubernetes-architect/);
    await h.click(threadTs, 'phase3.kubernetes-architect', 'approve', REQUESTER);
    await h.waitForThread(threadTs, /Executive summary/, 30_000);
    await waitFor(
      async () => (await streamedMessages(h, threadTs)).at(-1)?.streaming?.planTitle === 'Status: completed',
      { message: 'the run’s end never reached a stream' },
    );
    const messages = await streamedMessages(h, threadTs);
    expect(messages).toHaveLength(2);
    const last = messages[1];
    expect(last?.streaming?.state).toBe('stopped');
    expect(last?.streaming?.tasks.every((t) => t.status === 'complete')).toBe(true);
    expect(editedStatusMessages(h, threadTs)).toEqual([]);
  });

  it('TASK_CARDS=off keeps the status message edited in place', async () => {
    const h = await startHarness({ TASK_CARDS: 'off' });
    const { threadTs } = await h.mention('build a churn model for our subscription data and serve it');
    await h.waitForThread(threadTs, /A few questions before I plan/);
    await h.reply(threadTs, 'Postgres, table subscriptions. p99 under 100 ms.');
    await expectEditedStatus(h, threadTs);
    expect(streamCalls(h)).toEqual([]);
  });

  it('falls back to the edited status message where Slack refuses streaming, and leaves the workspace alone', async () => {
    const h = await startHarness({ TASK_CARDS: 'on', TASK_CARD_INTERVAL_MS: String(INTERVAL_MS) });
    h.slack.failNext('chat.startStream', 'unknown_method');
    const first = await h.mention('build a churn model for our subscription data and serve it');
    await h.waitForThread(first.threadTs, /A few questions before I plan/);
    await h.reply(first.threadTs, 'Postgres, table subscriptions. p99 under 100 ms.');
    await expectEditedStatus(h, first.threadTs);

    // A second project in the same workspace does not ask again.
    const second = await h.mention('forecast weekly demand for our stores');
    await h.waitForThread(second.threadTs, /A few questions before I plan/);
    await h.reply(second.threadTs, 'Postgres, table sales.');
    await h.waitForThread(second.threadTs, /Status: running/);
    expect(h.slack.callsTo('chat.startStream')).toHaveLength(1);
    expect(h.slack.callsTo('chat.appendStream')).toEqual([]);
    expect(
      h.logs.some(
        (l) =>
          l.msg === 'slack does not offer this feature here; leaving it alone for a while' &&
          l.feature === 'task-cards',
      ),
    ).toBe(true);
  });

  it('continues in a new stream message before one would pass Slack’s size cap', async () => {
    const plan = manyStagePlan(20);
    const h = await startHarness({ TASK_CARDS: 'on', TASK_CARD_INTERVAL_MS: '100' });
    const pm = projectManagerResponder({ plan: asTailoredPlan(plan, 'Twenty checks, one per table.') });
    const longSummary = `Checked the table and its lineage end to end; ${'every column is accounted for, '.repeat(8)}`;
    h.model.setResponder((req) => {
      const planned = pm(req);
      if (planned) return planned;
      const format = req.body.output_config?.format;
      const schema = format?.type === 'json_schema' ? (format.schema as { properties?: object }) : undefined;
      if (!schema?.properties || !('summary' in schema.properties)) return undefined;
      return { json: { ...(jsonSchemaInstance(schema) as object), summary: longSummary } };
    });
    // Stages finish a few at a time (PROJECT_CONCURRENCY), so the stream takes many updates.
    h.model.setLatencyMs(300);
    const { threadTs } = await h.mention('check every table of our warehouse');
    await h.waitForThread(threadTs, /A few questions before I plan/);
    await h.reply(threadTs, 'Postgres, all tables.');
    await h.waitForThread(threadTs, /Executive summary/, 60_000);
    await waitFor(
      async () => (await streamedMessages(h, threadTs)).every((m) => m.streaming?.state === 'stopped'),
      { message: 'a stream was left open' },
    );

    const calls = streamCalls(h);
    // Slack never had to refuse: each message was stopped before it got too long, and the next began.
    expect(calls.every((c) => c.response.ok === true)).toBe(true);
    const messages = await streamedMessages(h, threadTs);
    expect(messages.length).toBeGreaterThanOrEqual(2);
    for (const m of messages.slice(0, -1)) {
      const stop = calls.findIndex((c) => c.method === 'chat.stopStream' && c.args.ts === m.ts);
      const nextStart = calls.findIndex(
        (c) => c.method === 'chat.startStream' && Number(c.response.ts) > Number(m.ts),
      );
      expect(stop).toBeGreaterThanOrEqual(0);
      expect(stop).toBeLessThan(nextStart);
    }
    // The last message shows the whole plan, every stage done.
    const last = messages.at(-1);
    expect(last?.streaming?.tasks).toHaveLength(20);
    expect(last?.streaming?.tasks.every((t) => t.status === 'complete')).toBe(true);
    expect(h.slack.callsTo('chat.stopStream').at(-1)?.args.session_status).toBe('closed');
  });
});

function task<T extends { id: string }>(tasks: T[], id: string): T {
  const found = tasks.find((t) => t.id === id);
  if (!found) throw new Error(`no task ${id}`);
  return found;
}

/** `count` stages (a tailored plan's most) with long names, that need no approval and read nothing. */
function manyStagePlan(count: number): Plan {
  const base = defaultPlan(FIXTURE_REQUIREMENTS);
  const template = base.stages.find((s) => s.phase === 1 && !s.needsApproval);
  if (!template) throw new Error('the default plan has no first-phase stage');
  return {
    phases: [{ number: 1, name: 'Checks' }],
    stages: Array.from({ length: count }, (_, i) => ({
      ...template,
      id: `phase1.check-warehouse-table-${String(i + 1).padStart(2, '0')}-lineage-and-columns`,
      reads: [],
      task: `Check warehouse table ${i + 1}.`,
    })),
  };
}
