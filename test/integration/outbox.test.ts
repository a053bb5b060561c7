import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { keySpace } from '../../src/memory/keys.js';
import { outboxShard, outboxShardName } from '../../src/memory/queues.js';
import { ThreadMessageStore } from '../../src/memory/thread-messages.js';
import { waitFor } from '../support/wait.js';
import { CHANNEL, startHarness } from './harness.js';

describe('slack outbox', () => {
  it('skips renders of a message edited in place when a newer one is queued: Slack sees only the newest', async () => {
    const h = await startHarness();
    const { threadTs } = await h.mention('build a churn model');
    await h.waitForThread(threadTs, /A few questions before I plan/);
    const projectId = `T0001-C0PROJECTS-${threadTs}`;
    const keys = keySpace(h.config.redis.keyPrefix);
    // As the engine does: queue three versions, then note the newest wanted.
    const outbox = new Queue(outboxShardName(outboxShard(projectId, h.config.outboxShards)), {
      connection: h.redis,
      prefix: keys.bull,
    });
    await new ThreadMessageStore(h.redis, keys).want(projectId, ['live'], 30);
    for (const revision of [10, 20, 30]) {
      await outbox.add('thread_message', {
        projectId,
        channelId: CHANNEL,
        threadTs,
        revision,
        effect: {
          kind: 'thread_message',
          key: 'live',
          mode: 'upsert',
          view: { type: 'notice', tone: 'info', text: `version ${revision}` },
        },
      });
    }
    await waitFor(() => h?.threadText(threadTs).includes('version 30'), {
      message: 'the newest version never showed',
    });
    await waitFor(async () => (await outbox.getJobCounts('waiting', 'active')).waiting === 0);
    await outbox.close();
    const versions = h.slack.calls.filter((c) => /version \d+/.test(JSON.stringify(c.args)));
    expect(versions.map((c) => c.method)).toEqual(['chat.postMessage']);
    expect(h.threadText(threadTs)).not.toMatch(/version (10|20)/);
  });
});
