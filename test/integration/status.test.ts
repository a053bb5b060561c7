import { describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait.js';
import { runToFirstGate, startHarness } from './harness.js';

describe('status in the thread', () => {
  it('answers mid-run with every stage and its state, without saying completed', async () => {
    const h = await startHarness();
    const threadTs = await runToFirstGate(h);
    const before = h.posts(threadTs).length;
    await h.reply(threadTs, 'Status', 'USOMEONEELSE');
    const reply = await waitFor(
      () =>
        h
          ?.posts(threadTs)
          .slice(before)
          .find((c) => String(c.args.text).startsWith('Status:')),
      { message: 'no status reply' },
    );
    const text = String(reply.args.text);
    expect(text).toContain('phase1.data-engineer: done');
    expect(text).toContain('phase2.python-pro: done');
    expect(text).toContain('phase3.mlops-engineer: awaiting approval');
    expect(text).toContain('phase3.kubernetes-architect: pending');
    expect(text).toContain('phase4.observability-engineer: pending');
    expect(text).not.toContain('completed');
  });

  it('keeps one live status message, edited in place as stages finish', async () => {
    const h = await startHarness();
    const threadTs = await runToFirstGate(h);
    const statusPosts = h.posts(threadTs).filter((c) => String(c.args.text).startsWith('Status:'));
    expect(statusPosts).toHaveLength(1);
    const ts = String(statusPosts[0]?.response.ts);
    const edits = () => h?.slack.callsTo('chat.update').filter((c) => c.args.ts === ts) ?? [];
    await waitFor(
      () => String(edits().at(-1)?.args.text).includes('phase3.mlops-engineer: awaiting approval'),
      {
        message: 'the status message was never edited to show the gate',
      },
    );
    expect(edits().length).toBeGreaterThanOrEqual(1);
  });
});
