import { describe, expect, it } from 'vitest';
import { projectIdFor } from '../../src/domain/ids.js';
import { keySpace } from '../../src/memory/keys.js';
import { ProjectStore } from '../../src/memory/project-store.js';
import { eventEnvelope, postSignedEvent } from '../support/slack-signing.js';
import type { SlackCall } from '../support/slack-stand-in.js';
import { waitFor } from '../support/wait.js';
import {
  CHANNEL,
  type Harness,
  messageText,
  nextTs,
  REQUESTER,
  SIGNING_SECRET,
  startHarness,
  TEAM,
} from './harness.js';

/** Pacing as in production; one outbox lane, so both projects' messages share it. */
const PACED_ONE_LANE = {
  SLACK_CHANNEL_POST_INTERVAL_MS: '1000',
  SLACK_CHANNEL_POST_BURST: '3',
  OUTBOX_SHARDS: '1',
};
const OTHER_CHANNEL = 'C0OTHERTEAM';
const FLOOD = 16;

/** A message in `channel` (the harness's helpers speak in its one channel only). */
async function say(h: Harness, channel: string, text: string, threadTs?: string): Promise<string> {
  const ts = nextTs();
  const event = threadTs
    ? { type: 'message', channel_type: 'channel', user: REQUESTER, text, ts, thread_ts: threadTs, channel }
    : { type: 'app_mention', user: REQUESTER, text: `<@UBOT> ${text}`, ts, channel };
  const res = await postSignedEvent(
    h.appUrl,
    SIGNING_SECRET,
    eventEnvelope({ ...event, event_ts: ts }, { teamId: TEAM }),
  );
  expect(res.status).toBe(200);
  return ts;
}

const isStatusAnswer = (c: SlackCall) => String(c.args.text).startsWith('Status:');

describe('slack outbox: one busy channel', () => {
  it("does not hold back another project's gate while a thread in a paced channel is flooded with status", async () => {
    const h = await startHarness(PACED_ONE_LANE);
    // Slack's own limit, a little looser than ours: a post that goes out of turn would show as a 429.
    h.slack.limitPostsPerChannel({ intervalMs: 900, burst: 4 });

    const threadB = await say(h, OTHER_CHANNEL, 'build a churn model and serve it behind an API');
    await h.waitForThread(threadB, /A few questions before I plan/);
    const { threadTs: threadA } = await h.mention('forecast demand for our stores');
    await h.waitForThread(threadA, /A few questions before I plan/);
    const projectA = new ProjectStore(h.redis, keySpace(h.config.redis.keyPrefix));
    const revisionA = async () => (await projectA.get(projectIdFor(TEAM, CHANNEL, threadA)))?.revision ?? -1;
    const before = await revisionA();

    // Project A's thread is flooded: far more status answers than its channel takes in a second.
    for (let i = 0; i < FLOOD; i++) await h.reply(threadA, 'status', `UASKER${i}`);
    // Events of one project may be applied in any order; the cancel must come after every status.
    await waitFor(async () => (await revisionA()) >= before + FLOOD, {
      message: 'the status events were never applied',
    });
    await h.reply(threadA, 'cancel');
    const answersA = () => h.posts(threadA).filter(isStatusAnswer);
    await waitFor(() => answersA().length >= 3, { message: 'the flood never started' });

    // Meanwhile project B, in another channel, runs to its gate.
    await say(h, OTHER_CHANNEL, 'go', threadB);
    await h.waitForThread(threadB, /Approval needed: phase3.mlops-engineer/, 30_000);
    const gateB = h
      .posts(threadB)
      .find((c) => messageText(c).includes('Approval needed: phase3.mlops-engineer'));
    const answeredWhenGateB = answersA().filter((c) => c.at <= (gateB?.at ?? 0)).length;
    // B's gate did not wait for A's backlog to drain.
    expect(answeredWhenGateB).toBeLessThan(FLOOD);

    // Nothing of A's was lost or reordered: every answer, then the cancel notice, in the order asked.
    await h.waitForThread(threadA, /Cancelled by/, 40_000);
    const order = h
      .posts(threadA)
      .map((c) => (isStatusAnswer(c) ? 'S' : messageText(c).includes('Cancelled by') ? 'C' : ''));
    expect(order.join('')).toBe(`${'S'.repeat(FLOOD)}C`);
    expect(h.slack.calls.filter((c) => c.status === 429).map((c) => c.method)).toEqual([]);
  }, 90_000);
});
