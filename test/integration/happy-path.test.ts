import { describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait.js';
import { DEFAULT_STAGES, promptOf, REQUESTER, startHarness } from './harness.js';

const STAGES = DEFAULT_STAGES;

describe('one Slack thread from @mention to summary', () => {
  it('clarifies, plans, runs every stage through the gates, and posts the summary', async () => {
    const h = await startHarness();
    const { threadTs, status } = await h.mention(
      'build a churn model for our subscription data and serve it behind an API',
    );
    expect(status).toBe(200);

    await h.waitForThread(threadTs, /A few questions before I plan/);
    expect(h.threadText(threadTs)).toContain('Where does the subscription data live?');

    await h.reply(threadTs, 'Postgres, table subscriptions. p99 under 100 ms.');
    await h.waitForThread(threadTs, /Plan: Predict churn/);
    const plan = h.threadText(threadTs);
    for (const phase of ['Phase 1 · Data', 'Phase 2 · Model', 'Phase 3 · Deploy', 'Phase 4 · Operate'])
      expect(plan).toContain(phase);
    expect(plan).toMatch(/phase3.mlops-engineer` — mlops-engineer :lock: _needs approval_/);

    // The requester's answer reached the model in round 2.
    const round2 = h.model.requests.find((r) => r.lastUserText.includes('clarification round 2'));
    expect(round2?.lastUserText).toContain('Postgres, table subscriptions');

    await h.waitForThread(threadTs, /Approval needed: phase3.mlops-engineer/);
    // Nothing deploying ran before the click.
    expect(h.model.requests.some((r) => promptOf(r).includes("project's MLOps engineer"))).toBe(false);
    expect(await h.click(threadTs, 'phase3.mlops-engineer', 'approve', REQUESTER)).toBe(200);
    await h.waitForThread(threadTs, /Approved by <@UREQUESTER>/);

    await h.waitForThread(threadTs, /Approval needed: phase3.kubernetes-architect/);
    await h.click(threadTs, 'phase3.kubernetes-architect', 'approve', REQUESTER);
    await h.waitForThread(threadTs, /Executive summary/, 20_000);

    const text = h.threadText(threadTs);
    for (const stage of STAGES) expect(text).toContain(`${stage}* (`); // one note per stage
    await h.waitForThread(threadTs, /Status: completed/);

    // The plan says why it looks the way it does; the summary checks the criteria and says what it cost.
    expect(text).toContain('Why this plan:');
    expect(text).not.toContain('Using the default plan');
    expect(text).toMatch(/Executive summary[\s\S]*est\. \$\d+\.\d\d/);

    // The full report is uploaded to the thread: every deliverable, and the run metadata as JSON.
    const complete = await waitFor(
      () => h?.slack.callsTo('files.completeUploadExternal').find((c) => c.response.ok),
      {
        message: 'the report was never uploaded',
      },
    );
    expect(complete.args.thread_ts).toBe(threadTs);
    const uploaded = h.slack
      .callsTo('upload')
      .map((c) => ({ name: String(c.args.filename ?? ''), content: String(c.args.content) }));
    const report = uploaded.find((u) => u.content.startsWith('# Pipewright report'));
    const metadata = uploaded.find((u) => u.content.trimStart().startsWith('{'));
    for (const stage of STAGES) expect(report?.content).toContain(`## ${stage} (`);
    const meta = JSON.parse(metadata?.content ?? '{}') as {
      stages: Array<{ id: string; state: string; usage?: { inputTokens: number } }>;
      decisions: Array<{ kind: string; by?: string }>;
    };
    expect(meta.stages.map((st) => st.id)).toEqual(STAGES);
    expect(meta.stages.every((st) => st.state === 'done' && (st.usage?.inputTokens ?? 0) > 0)).toBe(true);
    expect(meta.decisions.filter((d) => d.kind === 'approved').map((d) => d.by)).toEqual([
      REQUESTER,
      REQUESTER,
    ]);

    // Every reply stayed in the thread; none went to the channel.
    const outside = h.slack.callsTo('chat.postMessage').filter((c) => c.args.thread_ts !== threadTs);
    expect(outside).toEqual([]);

    // The data scientist's prompt carried the data engineer's output.
    const scientist = h.model.requests.find((r) => promptOf(r).includes("project's data scientist"));
    expect(scientist?.lastUserText).toContain('<output stage="phase1.data-engineer">');

    // `status` now says completed and names every stage with its state.
    const before = h.posts(threadTs).length;
    await h.reply(threadTs, 'status');
    await waitFor(
      () =>
        h
          ?.posts(threadTs)
          .slice(before)
          .find((c) => String(c.args.text).startsWith('Status:')),
      {
        message: 'no status reply',
      },
    );
    const statusReply = h.posts(threadTs).at(-1);
    for (const stage of STAGES) expect(String(statusReply?.args.text)).toContain(`${stage}: done`);
    expect(String(statusReply?.args.text)).toContain('completed');
  });
});
