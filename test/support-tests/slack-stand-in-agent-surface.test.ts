import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { STREAM_MAX_BYTES } from '../../src/playground/slack-api/agent-methods.js';
import { silentSlackLogger } from '../support/silent-slack-logger.js';
import { type SlackStandIn, startSlackStandIn } from '../support/slack-stand-in.js';

/** The stand-in's agent surface, through the real WebClient: sessions and streamed task cards. */
describe('Slack stand-in: agent sessions and streaming', () => {
  let slack: SlackStandIn;
  let client: WebClient;

  beforeAll(async () => {
    slack = await startSlackStandIn();
    client = new WebClient('xoxb-test-token', {
      slackApiUrl: slack.apiUrl,
      logger: silentSlackLogger,
      retryConfig: { retries: 0 },
    });
  });
  afterAll(() => slack.close());
  beforeEach(() => slack.reset());

  const refusal = (promise: Promise<unknown>) =>
    promise.then(
      () => 'ok',
      (err: { data?: { error?: string } }) => err.data?.error ?? 'transport',
    );

  it('keeps a session: title and initiator from its creation, every status after', async () => {
    await client.agents.sessions.setStatus({
      channel_id: 'C1',
      thread_ts: '1.000001',
      status: 'processing',
      title: 'Churn model',
      initiator_user_id: 'U1',
    });
    await client.agents.sessions.setStatus({
      channel_id: 'C1',
      thread_ts: '1.000001',
      status: 'suspended',
      title: 'ignored',
    });
    expect(await slack.workspace.agentSession('C1', '1.000001')).toMatchObject({
      status: 'suspended',
      title: 'Churn model',
      initiator: 'U1',
      history: ['processing', 'suspended'],
    });
    expect(
      await refusal(
        client.agents.sessions.setStatus({ channel_id: 'C1', thread_ts: '1.000001', status: 'busy' }),
      ),
    ).toBe('invalid_arguments');
    expect(
      await refusal(
        client.agents.sessions.setStatus({
          channel_id: 'C1',
          thread_ts: '1.000001',
          status: 'processing',
          title: 'x'.repeat(201),
        }),
      ),
    ).toBe('invalid_arguments');
  });

  it('streams task cards into a thread message, stores them for the page, and stops the stream', async () => {
    await client.agents.sessions.setStatus({ channel_id: 'C1', thread_ts: '1.000001', status: 'processing' });
    const started = await client.chat.startStream({
      channel: 'C1',
      thread_ts: '1.000001',
      recipient_user_id: 'U1',
      recipient_team_id: 'T1',
      task_display_mode: 'plan',
      chunks: [
        { type: 'plan_update', title: 'Churn model: 2 stages' },
        { type: 'task_update', id: 'a', title: 'a · data-engineer', status: 'in_progress' },
        { type: 'task_update', id: 'b', title: 'b · ml-engineer', status: 'pending' },
      ],
    });
    const ts = String(started.ts);
    await client.chat.appendStream({
      channel: 'C1',
      ts,
      chunks: [
        {
          type: 'task_update',
          id: 'a',
          title: 'a · data-engineer',
          status: 'complete',
          output: 'schema checked',
        },
      ],
    });
    await client.chat.stopStream({ channel: 'C1', ts, session_status: 'closed' });

    const [message] = (await slack.workspace.thread('C1', '1.000001')).filter((m) => m.ts === ts);
    expect(message?.streaming).toEqual({
      state: 'stopped',
      displayMode: 'plan',
      planTitle: 'Churn model: 2 stages',
      markdown: '',
      tasks: [
        { id: 'a', title: 'a · data-engineer', status: 'complete', output: 'schema checked' },
        { id: 'b', title: 'b · ml-engineer', status: 'pending' },
      ],
    });
    // In plan mode the tasks are gathered in Slack's plan block under the plan's title.
    expect(message?.blocks).toMatchObject([
      {
        type: 'plan',
        title: 'Churn model: 2 stages',
        tasks: [
          { type: 'task_card', task_id: 'a', status: 'complete' },
          { type: 'task_card', task_id: 'b', status: 'pending' },
        ],
      },
    ]);
    expect((await slack.workspace.agentSession('C1', '1.000001'))?.status).toBe('closed');
    // A stopped stream takes nothing more.
    expect(await refusal(client.chat.appendStream({ channel: 'C1', ts, markdown_text: 'late' }))).toBe(
      'message_not_in_streaming_state',
    );
  });

  it('refuses what Slack refuses: a channel stream without its recipient, bad chunks, and past the size cap', async () => {
    expect(await refusal(client.chat.startStream({ channel: 'C1', thread_ts: '1.000001' }))).toBe(
      'invalid_arguments',
    );
    // In a DM no recipient is needed.
    const dm = await client.chat.startStream({ channel: 'D1', thread_ts: '1.000001' });
    expect(
      await refusal(
        client.chat.appendStream({
          channel: 'D1',
          ts: String(dm.ts),
          chunks: [{ type: 'task_update', id: 'a', title: 'a', status: 'running' as 'pending' }],
        }),
      ),
    ).toBe('invalid_chunks');
    const big = 'x'.repeat(250);
    const tasks = Array.from({ length: Math.ceil(STREAM_MAX_BYTES / 250) + 1 }, (_, i) => ({
      type: 'task_update' as const,
      id: `t${i}`,
      title: `task ${i}`,
      status: 'pending' as const,
      details: big,
    }));
    expect(await refusal(client.chat.appendStream({ channel: 'D1', ts: String(dm.ts), chunks: tasks }))).toBe(
      'msg_too_long',
    );
    // Refused whole: nothing of it was kept, and the stream goes on.
    expect(
      await refusal(client.chat.appendStream({ channel: 'D1', ts: String(dm.ts), markdown_text: 'ok' })),
    ).toBe('ok');
    // stopStream without session_status sets the session to `active`, as Slack documents.
    await client.agents.sessions.setStatus({ channel_id: 'D1', thread_ts: '1.000001', status: 'processing' });
    await client.chat.stopStream({ channel: 'D1', ts: String(dm.ts) });
    expect((await slack.workspace.agentSession('D1', '1.000001'))?.status).toBe('active');
  });
});
