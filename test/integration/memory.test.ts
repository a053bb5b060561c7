import { describe, expect, it } from 'vitest';
import { keySpace } from '../../src/memory/keys.js';
import type { RecordedRequest } from '../support/anthropic-stand-in.js';
import { blockActionPayload, postSignedAction } from '../support/slack-signing.js';
import { waitFor } from '../support/wait.js';
import {
  type Harness,
  messageText,
  projectManagerResponder,
  promptOf,
  REQUESTER,
  runToFirstGate,
  startHarness,
} from './harness.js';

const LESSON = 'Nightly full dumps of the subscriptions table missed late refunds; use Postgres CDC instead';
const WARNING = 'The churn label lags 30 days behind cancellations: do not train on the last month';

const isStage = (r: RecordedRequest, role: string) =>
  promptOf(r).includes(`project's ${role}`) && promptOf(r).includes('Your stage:');

/** The data engineer learns something and warns the data scientist; every other answer is the stand-in's default. */
function teachingResponder() {
  const pm = projectManagerResponder();
  return (req: RecordedRequest) => {
    if (isStage(req, 'data engineer')) {
      return {
        json: {
          summary: 'Ingestion designed with CDC.',
          deliverable: '# Ingestion\nDebezium CDC from Postgres into S3.',
          digest: 'CDC from Postgres into S3.',
          outcome: 'success',
          keyInsights: ['CDC keeps refunds fresh'],
          delegations: [],
          insights: [
            {
              area: 'ingestion',
              insight: LESSON,
              impact: 'high',
              confidence: 0.9,
              tags: ['postgres', 'aws'],
            },
          ],
          messages: [{ to: 'data-scientist', type: 'warning', priority: 'high', text: WARNING }],
        },
      };
    }
    return pm(req);
  };
}

/** The answer to `memory <role>` in `thread`, which only the asker sees (chat.postEphemeral). */
async function memoryAnswer(harness: Harness, thread: string, role = 'data-engineer'): Promise<string> {
  const answer = await waitFor(
    () =>
      harness.slack
        .callsTo('chat.postEphemeral')
        .find(
          (c) =>
            c.args.thread_ts === thread &&
            c.response.ok === true &&
            messageText(c).includes(`What ${role} remembers`),
        ),
    { message: `no ephemeral answer to memory ${role} in ${thread}` },
  );
  expect(answer.args.user).toBe(REQUESTER);
  expect(harness.threadText(thread)).not.toContain(`What ${role} remembers`);
  return messageText(answer);
}

const prompts = (harness: Harness, role: string) =>
  harness.model.requests.filter((r) => isStage(r, role)).map((r) => r.lastUserText);

describe('agent memory across projects', () => {
  it('shows a lesson to the next project in the same workspace, delivers a message once, and never crosses workspaces', async () => {
    const h = await startHarness();
    h.model.setResponder(teachingResponder());
    const first = await runToFirstGate(h);
    const firstProject = `T0001-C0PROJECTS-${first}`;

    // Within the project: the data scientist read the data engineer's warning, with where it came from.
    const [scientistFirst] = prompts(h, 'data scientist');
    expect(scientistFirst).toContain(WARNING);
    expect(scientistFirst).toContain(`from project ${firstProject}, stage phase1.data-engineer`);

    // A second project in the same workspace: the lesson is in the data engineer's prompt; the warning was read already.
    h.model.setResponder(projectManagerResponder());
    await runToFirstGate(h);
    const engineerPrompts = prompts(h, 'data engineer');
    expect(engineerPrompts).toHaveLength(2);
    expect(engineerPrompts[1]).toContain(LESSON);
    expect(engineerPrompts[1]).toContain(`from project ${firstProject}, stage phase1.data-engineer`);
    expect(prompts(h, 'data scientist')[1]).not.toContain(WARNING);

    // Another workspace (its own installation: users.info there says the user is its member) never sees it.
    h.slack.setUser('UOTHERREQ', { teamId: 'T0002' });
    await runToFirstGate(h, 'UOTHERREQ', 'T0002');
    const otherTeam = h.model.requests.filter((r) => isStage(r, 'data engineer')).at(-1)?.lastUserText;
    expect(otherTeam).not.toContain(LESSON);
    expect(otherTeam).not.toContain('<untrusted_memory>');
  });

  it('answers `memory <role>` with what the role remembers, and lists the roles for an unknown one', async () => {
    const h = await startHarness();
    h.model.setResponder(teachingResponder());
    const thread = await runToFirstGate(h);
    await h.reply(thread, 'memory data-engineer');
    const text = await memoryAnswer(h, thread);
    expect(text).toContain(LESSON);
    expect(text).toMatch(/\[ingestion, high, 0\.90\]/);
    expect(text).toContain('phase1.data-engineer');
    await h.reply(thread, 'memory astrologer');
    await h.waitForThread(thread, /There is no role `astrologer`\. Roles: `data-engineer`/);
  });
});

describe('forget', () => {
  it('asks for confirmation, refuses strangers, then deletes the project and the memory only it contributed', async () => {
    const h = await startHarness();
    h.model.setResponder(teachingResponder());
    const thread = await runToFirstGate(h);
    const projectId = `T0001-C0PROJECTS-${thread}`;
    const keys = keySpace(h.config.redis.keyPrefix);
    expect(await h.redis.exists(keys.deliverable(projectId, 'phase1.data-engineer', 1))).toBe(1);

    await h.reply(thread, 'forget');
    await h.waitForThread(thread, /asked me to forget this project/);
    const confirm = h.posts(thread).find((c) => String(c.args.text).startsWith('Forget this project?'));
    if (!confirm) throw new Error('no confirmation message');
    type Button = { action_id: string; value: string; text: { text: string } };
    const blocks = confirm.args.blocks as Array<{ type: string; elements?: Button[] }>;
    const buttons = blocks.find((b) => b.type === 'actions')?.elements ?? [];
    expect(buttons.map((b) => b.text.text)).toEqual(['Forget this project', 'Keep it']);
    const forgetButton = buttons[0];
    if (!forgetButton) throw new Error('no forget button');
    const click = async (user: string) => {
      const payload = blockActionPayload({
        userId: user,
        channelId: String(confirm?.args.channel),
        messageTs: String(confirm?.response.ts),
        threadTs: thread,
        actionId: forgetButton.action_id,
        value: forgetButton.value,
        teamId: 'T0001',
      });
      return postSignedAction(h?.appUrl ?? '', 'test-signing-secret', payload);
    };

    await click('USTRANGER');
    await waitFor(() => h?.slack.callsTo('chat.postEphemeral').some((c) => c.args.user === 'USTRANGER'), {
      message: 'stranger not refused',
    });
    expect(await h.redis.exists(keys.deliverable(projectId, 'phase1.data-engineer', 1))).toBe(1);

    await click(REQUESTER);
    await waitFor(() => /Forgotten: /.test(h?.threadText(thread) ?? ''), {
      message: () =>
        `no forget report; warnings: ${JSON.stringify(h?.logs.filter((l) => Number(l.level) >= 40).slice(-5))}\n${h?.threadText(thread).slice(-1500)}`,
    });
    // Four stages had run: four deliverables and four history entries, and at least the data engineer's lesson.
    expect(h.threadText(thread)).toMatch(
      /Forgotten: 4 deliverable\(s\), 4 task-history entries, [1-9]\d* insight\(s\)/,
    );
    await h.waitForThread(thread, /Forgotten by <@UREQUESTER>/);
    expect(await h.redis.exists(keys.deliverable(projectId, 'phase1.data-engineer', 1))).toBe(0);
    const record = JSON.parse((await h.redis.get(keys.project(projectId))) ?? '{}') as {
      phase: string;
      request: string;
      plan?: unknown;
    };
    expect(record).toMatchObject({ phase: 'forgotten', request: '' });
    expect(record.plan).toBeUndefined();

    // The memory is gone: a new project's data engineer no longer hears of it.
    h.model.setResponder(projectManagerResponder());
    const next = await runToFirstGate(h);
    expect(prompts(h, 'data engineer').at(-1)).not.toContain(LESSON);
    await h.reply(next, 'memory data-engineer');
    expect(await memoryAnswer(h, next)).not.toContain(LESSON);

    // The forgotten thread says so, and does nothing else.
    await h.reply(thread, 'status');
    await h.waitForThread(thread, /This project was forgotten/);
  });
});
