import { Queue } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { DeliverableStore } from '../../src/memory/deliverables.js';
import { keySpace } from '../../src/memory/keys.js';
import { ProjectStore } from '../../src/memory/project-store.js';
import { outboxShard, outboxShardName } from '../../src/memory/queues.js';
import type { AppProcess } from '../support/processes.js';
import { waitFor } from '../support/wait.js';
import {
  DEFAULT_STAGES,
  REQUESTER,
  runToFirstGate,
  stagesWithoutFiles,
  startHarness,
  startProcessCluster,
} from './harness.js';

const STAGES = DEFAULT_STAGES;

const procs: AppProcess[] = [];
afterEach(async () => {
  for (const p of procs.splice(0)) await p.kill();
});

/** A short job lock, so a killed worker's job goes back to the queue within seconds. */
const FAST_RECOVERY = { JOB_LOCK_MS: '1500', STAGE_BACKOFF_MS: '100' };

const stageOf = (systemAndUser: string) => /Your stage: (phase\d\.[a-z0-9-]+)/.exec(systemAndUser)?.[1];

describe('crash-safe resume', () => {
  it('loses nothing when the worker and the bot are SIGKILLed mid-run: every stage done once, no note twice', async () => {
    const c = await startProcessCluster(procs, { env: FAST_RECOVERY, latencyMs: 400 });
    const h = c.h;
    const model = h.model;
    let bot = await c.start('bot');
    let worker = await c.start('worker');

    const { threadTs } = await h.mention('build a churn model behind an API');
    await h.waitForThread(threadTs, /A few questions before I plan/, 20_000);
    await h.reply(threadTs, 'go');

    // 1. Kill the worker while the data engineer's model call is in flight.
    await waitFor(() => model.requests.some((r) => stageOf(r.lastUserText) === 'phase1.data-engineer'), {
      timeoutMs: 20_000,
    });
    await worker.kill();
    worker = await c.start('worker');

    // 2. Kill the worker again mid-run, a little later (between answers and reports, whatever it was doing).
    await waitFor(() => model.requests.some((r) => stageOf(r.lastUserText) === 'phase2.ml-engineer'), {
      timeoutMs: 30_000,
    });
    await new Promise((r) => setTimeout(r, 250));
    await worker.kill();
    worker = await c.start('worker');

    // 3. At the gate: kill both processes; the gate waiting for a click survives, and the click works after.
    await h.waitForThread(threadTs, /Approval needed: phase3.mlops-engineer/, 30_000);
    await worker.kill();
    await bot.kill();
    bot = await c.start('bot');
    worker = await c.start('worker');
    await h.click(threadTs, 'phase3.mlops-engineer', 'approve', REQUESTER);
    await h.waitForThread(threadTs, /Approval needed: phase3.kubernetes-architect/, 30_000);
    await h.click(threadTs, 'phase3.kubernetes-architect', 'approve', REQUESTER);
    await h.waitForThread(threadTs, /Executive summary/, 30_000);
    await h.waitForThread(threadTs, /Status: completed/, 10_000);

    // Every note once, every gate once, one summary.
    const posts = h.posts(threadTs).map((p) => String(p.args.text));
    for (const stage of STAGES) {
      expect(
        posts.filter((t) => t.startsWith(`${stage} finished`)),
        stage,
      ).toHaveLength(1);
    }
    expect(posts.filter((t) => t.startsWith('Approval needed for phase3.mlops-engineer'))).toHaveLength(1);
    expect(posts.filter((t) => t.startsWith('Executive summary'))).toHaveLength(1);
    expect(posts.filter((t) => t.startsWith('Status:'))).toHaveLength(1);

    // A stage recorded as done never called the model again.
    const deliverables = new DeliverableStore(h.redis, keySpace(h.config.redis.keyPrefix));
    const project = await new ProjectStore(h.redis, keySpace(h.config.redis.keyPrefix)).get(
      `T0001-C0PROJECTS-${threadTs}`,
    );
    for (const stage of STAGES) {
      const d = await deliverables.get(project?.id ?? '', stage, project?.stages[stage]?.attempt ?? 1);
      expect(d, stage).toBeDefined();
      const later = model.requests.filter(
        (r) => stageOf(r.lastUserText) === stage && r.at > (d?.producedAt ?? 0),
      );
      expect(later, `${stage} called the model after it was done`).toEqual([]);
    }
    // The stage killed mid-call was called again; the others once.
    expect(
      model.requests.filter((r) => stageOf(r.lastUserText) === 'phase1.data-engineer').length,
    ).toBeGreaterThanOrEqual(2);
    expect(
      model.requests.filter((r) => stageOf(r.lastUserText) === 'phase4.observability-engineer'),
    ).toHaveLength(1);
  }, 120_000);

  it('does not post a message twice when the bot died between posting it and recording it', async () => {
    const h = await startHarness();
    const { threadTs } = await h.mention('build a churn model');
    await h.waitForThread(threadTs, /A few questions before I plan/);
    const keys = keySpace(h.config.redis.keyPrefix);
    const projectId = `T0001-C0PROJECTS-${threadTs}`;
    // Simulate the crash: the welcome was posted, but its ts was never recorded; the mark says a post was under way.
    await h.redis.hdel(keys.projectMessages(projectId), 'welcome', 'welcome#rev');
    await h.redis.hset(keys.projectMessages(projectId), 'welcome#pending', '1');
    const project = await new ProjectStore(h.redis, keys).get(projectId);
    const shard = outboxShardName(outboxShard(projectId, h.config.outboxShards));
    const outbox = new Queue(shard, { connection: h.redis, prefix: keys.bull });
    await outbox.add('thread_message', {
      projectId,
      channelId: project?.channelId,
      threadTs,
      revision: 0,
      effect: {
        kind: 'thread_message',
        key: 'welcome',
        mode: 'post',
        view: { type: 'welcome', requesterId: REQUESTER },
      },
    });
    await waitFor(async () => (await h?.redis.hget(keys.projectMessages(projectId), 'welcome')) !== null, {
      message: 'the outbox never recorded the welcome again',
    });
    await outbox.close();
    const welcomes = h.posts(threadTs).filter((c) => String(c.args.text).includes("I'm Pipewright"));
    expect(welcomes).toHaveLength(1);
    expect(h.slack.callsTo('conversations.replies').length).toBeGreaterThan(0);
    expect(await h.redis.hget(keys.projectMessages(projectId), 'welcome')).toBe(
      String(welcomes[0]?.response.ts),
    );
  });

  it('does not upload the report twice when the bot died between uploading it and recording it', async () => {
    const h = await startHarness();
    h.model.setResponder(stagesWithoutFiles); // only the report is uploaded: no archive of files
    const threadTs = await runToFirstGate(h);
    await h.click(threadTs, 'phase3.mlops-engineer', 'approve', REQUESTER);
    await h.waitForThread(threadTs, /Approval needed: phase3.kubernetes-architect/);
    await h.click(threadTs, 'phase3.kubernetes-architect', 'approve', REQUESTER);
    const keys = keySpace(h.config.redis.keyPrefix);
    const projectId = `T0001-C0PROJECTS-${threadTs}`;
    const messages = keys.projectMessages(projectId);
    const reportKey = await waitFor(
      async () => (await h?.redis.hkeys(messages))?.find((k) => /^report\.\d+$/.test(k)),
      { timeoutMs: 20_000, message: 'the report was never recorded' },
    );
    const fileId = await h.redis.hget(messages, reportKey);
    expect(h.slack.callsTo('files.completeUploadExternal')).toHaveLength(1);

    // Simulate the crash: the report was uploaded, but its file id was never recorded.
    await h.redis.hdel(messages, reportKey, `${reportKey}#rev`);
    await h.redis.hset(messages, `${reportKey}#pending`, '1');
    const project = await new ProjectStore(h.redis, keys).get(projectId);
    const outbox = new Queue(outboxShardName(outboxShard(projectId, h.config.outboxShards)), {
      connection: h.redis,
      prefix: keys.bull,
    });
    const redeliver = async (key: string) => {
      await outbox.add('report', {
        projectId,
        channelId: project?.channelId,
        threadTs,
        revision: 0,
        effect: { kind: 'report', key },
      });
      return waitFor(async () => (await h?.redis.hget(messages, key)) ?? undefined, {
        message: `the outbox never recorded ${key}`,
      });
    };
    expect(await redeliver(reportKey)).toBe(fileId);
    expect(h.slack.callsTo('files.completeUploadExternal')).toHaveLength(1); // found in the thread, not sent again

    // A later report of the same project (a resumed run finishing again) that died before its upload is
    // uploaded, not mistaken for the earlier one already in the thread.
    await h.redis.hset(messages, 'report.99#pending', '1');
    const laterId = await redeliver('report.99');
    expect(laterId).not.toBe(fileId);
    expect(h.slack.callsTo('files.completeUploadExternal')).toHaveLength(2);
    await outbox.close();
  });

  it('finishes the stage in flight on SIGTERM, then exits cleanly', async () => {
    const c = await startProcessCluster(procs, { env: FAST_RECOVERY, latencyMs: 1200 });
    const h = c.h;
    const model = h.model;
    await c.start('bot');
    const worker = await c.start('worker');
    const { threadTs } = await h.mention('build a churn model');
    await h.waitForThread(threadTs, /A few questions before I plan/, 20_000);
    await h.reply(threadTs, 'go');
    await waitFor(() => model.requests.some((r) => stageOf(r.lastUserText) === 'phase1.data-engineer'), {
      timeoutMs: 20_000,
    });
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    // The stage the worker was running when told to stop was finished and recorded, not dropped.
    const keys = keySpace(h.config.redis.keyPrefix);
    const d = await new DeliverableStore(h.redis, keys).get(
      `T0001-C0PROJECTS-${threadTs}`,
      'phase1.data-engineer',
      1,
    );
    expect(d).toBeDefined();
    expect(model.requests.filter((r) => stageOf(r.lastUserText) === 'phase1.data-engineer')).toHaveLength(1);
  }, 60_000);
});
