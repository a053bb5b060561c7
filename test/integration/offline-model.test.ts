import { describe, expect, it } from 'vitest';
import { OFFLINE_MARK_TEXT } from '../../src/bot/views/offline.js';
import { waitFor } from '../support/wait.js';
import { messageText, REQUESTER, reportMetadata, startHarness } from './harness.js';

const TEAMMATE = 'UTEAMMATE';

describe('a whole project with no ANTHROPIC_API_KEY', () => {
  it('is clarified, planned, run and summarised by the offline model, every message saying so', async () => {
    const h = await startHarness({ ANTHROPIC_API_KEY: '', OFFLINE_MODEL_LATENCY_MS: '0', REVIEW: 'on' });
    const { threadTs, status } = await h.mention(
      'build a churn model for our subscription data and serve it behind an API',
    );
    expect(status).toBe(200);

    // The questions are about what the request leaves open.
    await h.waitForThread(threadTs, /A few questions before I plan/);
    const questions = h.threadText(threadTs);
    expect(questions).toMatch(/data/i);
    expect(questions).toMatch(/cost|budget/i);

    await h.reply(threadTs, 'It is in Postgres, table subscriptions. p99 under 100 ms, $2k a month.');
    await h.waitForThread(threadTs, /Approval needed: phase3.mlops-engineer/);
    const plan = h.threadText(threadTs);
    expect(plan).toContain('Why this plan:');
    expect(plan).toContain('PostgreSQL: table subscriptions');

    // A teammate's click is refused, ephemerally, with the mark too.
    await h.click(threadTs, 'phase3.mlops-engineer', 'approve', TEAMMATE);
    await h.waitForEphemeral(TEAMMATE, /./);

    await h.click(threadTs, 'phase3.mlops-engineer', 'approve', REQUESTER);
    await h.waitForThread(threadTs, /Approval needed: phase3.kubernetes-architect/);
    await h.click(threadTs, 'phase3.kubernetes-architect', 'approve', REQUESTER);
    await h.waitForThread(threadTs, /Executive summary/, 20_000);
    await h.waitForThread(threadTs, /Status: completed/);
    const text = h.threadText(threadTs);
    expect(text).toContain('p99 under 100 ms'); // a success criterion, checked in the summary

    // The report holds structured deliverables made by the offline model, at no cost.
    const meta = await reportMetadata(h);
    expect(meta.stages.length).toBeGreaterThanOrEqual(6);
    expect(meta.stages.every((s) => s.state === 'done' && s.model === 'offline')).toBe(true);
    const report = h.slack
      .callsTo('upload')
      .find((c) => String(c.args.content).startsWith('# Pipewright report'));
    // Code comes as files, each stage reviewed against its checklist by the offline reviewer.
    const markdown = String(report?.args.content);
    expect(markdown).toMatch(
      /### phase1.data-engineer \(data-engineer\)\n\n- `pipelines\/[^`]+\.sql` \(sql, [\d.]+ K?B\)/,
    );
    expect(markdown).toMatch(/`k8s\/[^`]+\.yaml` \(yaml, [\d.]+ K?B\): parses/);
    expect(markdown).toContain('## Checklist coverage');
    expect(markdown).toMatch(/### Review: checklist \d+\/\d+/);
    expect(text).toContain('Checklist coverage after independent review');
    expect(String(report?.args.content)).toMatch(/\| --- \| --- \|/);

    // Claude was never asked, and the log says once which model answers.
    expect(h.model.requests).toEqual([]);
    expect(h.logs.filter((l) => String(l.msg).includes('the offline model answers every call'))).toHaveLength(
      1,
    );

    // Every message the bot posted, edited or showed one person says it is the offline model.
    const complete = await waitFor(() =>
      h.slack.callsTo('files.completeUploadExternal').find((c) => c.response.ok),
    );
    expect(String(complete.args.initial_comment)).toContain(OFFLINE_MARK_TEXT);
    const messages = ['chat.postMessage', 'chat.update', 'chat.postEphemeral'].flatMap((m) =>
      h.slack.callsTo(m).filter((c) => c.response.ok === true),
    );
    expect(messages.length).toBeGreaterThan(15);
    for (const m of messages) {
      expect(messageText(m), `${m.method}: ${String(m.args.text).slice(0, 80)}`).toContain('Offline model');
      expect(String(m.args.text)).toContain(OFFLINE_MARK_TEXT);
      expect((m.args.blocks as unknown[]).length).toBeLessThanOrEqual(50);
    }
  });
});
