import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { keySpace } from '../../src/memory/keys.js';
import { createQueues, QUEUE_NAMES } from '../../src/memory/queues.js';
import type { RecordedRequest } from '../support/anthropic-stand-in.js';
import { blockActionPayload, postSignedAction } from '../support/slack-signing.js';
import { waitFor } from '../support/wait.js';
import {
  CHANNEL,
  type Harness,
  parallelExperimentsPlan,
  projectManagerResponder,
  REQUESTER,
  SIGNING_SECRET,
  stageOf,
  startHarness,
  TEAM,
} from './harness.js';

const LATE = 'LATE-LESSON: experiments on the last month overfit';
const LATE_SUMMARY = 'LATE-SUMMARY of an experiment nobody wants any more';

/** Phase-2 experiments teach something worth remembering; everything else is the stand-ins' default. */
function experimentsResponder() {
  const pm = projectManagerResponder({ plan: parallelExperimentsPlan() });
  return (req: RecordedRequest) => {
    if (!stageOf(req)?.startsWith('phase2.')) return pm(req);
    return {
      json: {
        summary: LATE_SUMMARY,
        deliverable: `# ${LATE}`,
        digest: LATE,
        outcome: 'success',
        keyInsights: [LATE],
        delegations: [],
        insights: [{ area: 'training', insight: LATE, impact: 'high', confidence: 0.9, tags: ['late'] }],
        messages: [{ to: 'all', type: 'warning', priority: 'high', text: LATE }],
      },
    };
  };
}

/** Says `forget` in the thread and clicks "Forget this project" as the requester. */
async function forget(h: Harness, thread: string): Promise<void> {
  await h.reply(thread, 'forget');
  await h.waitForThread(thread, /asked me to forget this project/);
  const confirm = h.posts(thread).find((c) => String(c.args.text).startsWith('Forget this project?'));
  if (!confirm) throw new Error('no confirmation message');
  type Button = { action_id: string; value: string; text: { text: string } };
  const blocks = confirm.args.blocks as Array<{ type: string; elements?: Button[] }>;
  const button = blocks
    .find((b) => b.type === 'actions')
    ?.elements?.find((b) => b.text.text === 'Forget this project');
  if (!button) throw new Error('no forget button');
  const payload = blockActionPayload({
    userId: REQUESTER,
    channelId: CHANNEL,
    messageTs: String(confirm.response.ts),
    threadTs: thread,
    actionId: button.action_id,
    value: button.value,
    teamId: TEAM,
  });
  expect((await postSignedAction(h.appUrl, SIGNING_SECRET, payload)).status).toBe(200);
  await h.waitForThread(thread, /Forgotten: /);
}

/** Every string stored under the prefix's agent-memory keys, for "nothing of it is left" checks. */
async function memoryContents(redis: Redis, prefix: string): Promise<string> {
  const out: unknown[] = [];
  for (const key of [...(await redis.keys(`${prefix}:mem:*`)), ...(await redis.keys(`${prefix}:msg:*`))]) {
    const type = await redis.type(key);
    if (type === 'string') out.push(await redis.get(key));
    else if (type === 'hash') out.push(await redis.hgetall(key));
    else if (type === 'zset') out.push(await redis.zrange(key, 0, -1));
  }
  return JSON.stringify(out);
}

describe('forget while a stage is running', () => {
  it('the running stage records nothing when it finishes, and the stages queued behind it never reach the model', async () => {
    // One agent job at a time: while the held experiment runs, the other two wait in the queue.
    const h = await startHarness({ WORKER_CONCURRENCY: '1' });
    h.model.setResponder(experimentsResponder());
    const held = h.model.hold((req) => stageOf(req)?.startsWith('phase2.') === true);
    const connection = new Redis(h.config.redis.url, { maxRetriesPerRequest: null });
    const keys = keySpace(h.config.redis.keyPrefix);
    const queues = createQueues(connection, keys, h.config.outboxShards);
    const agents = new Queue(QUEUE_NAMES.agents, { connection, prefix: keys.bull });
    try {
      const { threadTs: thread } = await h.mention('build a churn model and compare three model families');
      const projectId = `${TEAM}-${CHANNEL}-${thread}`;
      await h.waitForThread(thread, /A few questions before I plan/);
      await h.reply(thread, 'go');

      const running = stageOf(await held.arrived) ?? '';
      const waitingOfProject = async () =>
        (await agents.getJobs(['waiting', 'delayed', 'prioritized', 'paused'])).filter(
          (j) => j.data.projectId === projectId,
        );
      // Before the forget: the other two experiments are queued behind the running one.
      await waitFor(async () => (await waitingOfProject()).length === 2, {
        message: 'the other two experiments were never queued',
      });

      await forget(h, thread);
      // Queued jobs of the project are gone from the agents queue, not merely skipped when their turn comes.
      expect((await waitingOfProject()).map((j) => j.id)).toEqual([]);

      // The model answers only now, after the forget was applied.
      held.release();
      await waitFor(
        async () => {
          const counts = await Promise.all(
            queues.all().map((q) => q.getJobCounts('waiting', 'active', 'delayed', 'prioritized')),
          );
          return counts.every((c) => Object.values(c).every((n) => n === 0));
        },
        { message: 'the queues never drained after the held answer was released' },
      );

      expect(await h.redis.exists(keys.deliverable(projectId, running, 1))).toBe(0);
      expect(await memoryContents(h.redis, h.config.redis.keyPrefix)).not.toContain('LATE-LESSON');
      expect(h.threadText(thread)).not.toContain(LATE_SUMMARY);
      expect(h.model.requests.filter((r) => stageOf(r)?.startsWith('phase2.')).map(stageOf)).toEqual([
        running,
      ]);
      const record = JSON.parse((await h.redis.get(keys.project(projectId))) ?? '{}') as { phase?: string };
      expect(record.phase).toBe('forgotten');
    } finally {
      held.release();
      await agents.close();
      await queues.close();
      connection.disconnect();
    }
  });
});
