import { describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait.js';
import { runToFirstGate, startHarness } from './harness.js';

const PACED = { SLACK_CHANNEL_POST_INTERVAL_MS: '1000', SLACK_CHANNEL_POST_BURST: '3' };

describe("Slack's per-channel post limit", () => {
  it('carries a whole run and a burst of status answers to Slack without a single 429', async () => {
    const h = await startHarness(PACED);
    // Slack's limit, a little looser than ours, so network jitter alone cannot trip it.
    h.slack.limitPostsPerChannel({ intervalMs: 900, burst: 4 });

    const threadTs = await runToFirstGate(h);
    const before = h.posts(threadTs).length;
    for (const user of ['UONE', 'UTWO', 'UTHREE', 'UFOUR']) await h.reply(threadTs, 'status', user);
    const answers = () =>
      h
        .posts(threadTs)
        .slice(before)
        .filter((c) => String(c.args.text).startsWith('Status:'));
    await waitFor(() => answers().length === 4, {
      timeoutMs: 15_000,
      message: () => `only ${answers().length} of 4 status answers arrived`,
    });

    expect(h.slack.calls.filter((c) => c.status === 429).map((c) => c.method)).toEqual([]);
    // Nothing was dropped on the way: the gate and every stage note made it into the thread.
    expect(h.threadText(threadTs)).toMatch(/Approval needed: phase3.mlops-engineer/);
    expect(h.posts(threadTs).length).toBeGreaterThanOrEqual(before + 4);
  });
});
