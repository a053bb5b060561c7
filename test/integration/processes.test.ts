import { afterEach, describe, expect, it } from 'vitest';
import { asTailoredPlan, defaultPlan } from '../../src/domain/plan.js';
import { DeliverableStore } from '../../src/memory/deliverables.js';
import { keySpace } from '../../src/memory/keys.js';
import { type AppProcess, spawnRole } from '../support/processes.js';
import { FIXTURE_REQUIREMENTS, REQUESTER, startProcessCluster } from './harness.js';

const procs: AppProcess[] = [];
afterEach(async () => {
  for (const p of procs.splice(0)) await p.kill();
});

describe('processes', () => {
  it('runs a whole project with the bot and the worker as separate processes on one Redis', async () => {
    const c = await startProcessCluster(procs);
    const h = c.h;
    // Each process has only its own credentials: the bot no model key, the worker no Slack secrets.
    const bot = await c.start('bot', { ANTHROPIC_API_KEY: '' });
    // The worker has no Slack endpoint, but answers healthz (start waits for it) for its own orchestrator.
    const worker = await c.start('worker', { SLACK_BOT_TOKEN: '', SLACK_SIGNING_SECRET: '' });

    const { threadTs } = await h.mention('build a churn model behind an API');
    await h.waitForThread(threadTs, /A few questions before I plan/, 20_000);
    await h.reply(threadTs, 'go');
    for (const stage of ['phase3.mlops-engineer', 'phase3.kubernetes-architect']) {
      await h.waitForThread(threadTs, new RegExp(`Approval needed: ${stage}`), 20_000);
      await h.click(threadTs, stage, 'approve', REQUESTER);
    }
    await h.waitForThread(threadTs, /Executive summary/, 20_000);
    await h.waitForThread(threadTs, /Status: completed/);

    // A clean SIGTERM stops both within the grace period.
    bot.child.kill('SIGTERM');
    worker.child.kill('SIGTERM');
    expect(await bot.exited).toBe(0);
    expect(await worker.exited).toBe(0);
  });

  it('shares the stages of several projects between two worker processes, and every run completes', async () => {
    // No gates, and three experiments that can run at once.
    const plan = asTailoredPlan(defaultPlan(FIXTURE_REQUIREMENTS), 'parallel experiments');
    const first = plan.stages[0];
    if (!first) throw new Error('default plan has no stages');
    plan.phases = [
      { number: 1, name: 'Data' },
      { number: 2, name: 'Model' },
    ];
    plan.stages = [
      first,
      ...['gbm', 'logreg', 'nn'].map((f) => ({
        ...first,
        id: `phase2.${f}`,
        phase: 2,
        role: 'ml-engineer' as const,
        reads: [first.id],
        task: `Train ${f}`,
      })),
    ];
    const c = await startProcessCluster(procs, { plan, latencyMs: 300, env: { WORKER_CONCURRENCY: '2' } });
    const h = c.h;
    await c.start('bot');
    await c.start('worker');
    await c.start('worker');
    const config = h.config;
    const redis = h.redis;

    const threads: string[] = [];
    for (let i = 0; i < 3; i++) threads.push((await h.mention(`project ${i}`)).threadTs);
    for (const t of threads) {
      await h.waitForThread(t, /A few questions before I plan/, 20_000);
      await h.reply(t, 'go');
    }
    for (const t of threads) await h.waitForThread(t, /Executive summary/, 30_000);

    const keys = keySpace(config.redis.keyPrefix);
    const deliverables = new DeliverableStore(redis, keys);
    const producers = new Set<string>();
    for (const t of threads) {
      for (const st of plan.stages) {
        const d = await deliverables.get(`T0001-C0PROJECTS-${t}`, st.id, 1);
        expect(d, `${t} ${st.id}`).toBeDefined();
        if (d) producers.add(d.workerId);
      }
    }
    expect(producers.size).toBe(2);
  });

  it('refuses to start the bot without credentials and says what to set', async () => {
    const p = spawnRole('bot', { REDIS_URL: 'redis://127.0.0.1:1' });
    procs.push(p);
    expect(await p.exited).toBe(1);
    const out = p.output();
    expect(out).toContain('SLACK_BOT_TOKEN');
    expect(out).toContain('SLACK_SIGNING_SECRET');
    // No model key is needed: the offline model answers without one.
    expect(out).not.toContain('ANTHROPIC_API_KEY');
    expect(out).toContain('.env.example');
    expect(out).toContain('npm run playground');
  });

  it('refuses half a set of Slack credentials instead of opening the playground', async () => {
    const p = spawnRole('all', { REDIS_URL: 'redis://127.0.0.1:1', SLACK_BOT_TOKEN: 'xoxb-1' });
    procs.push(p);
    expect(await p.exited).toBe(1);
    expect(p.output()).toContain('SLACK_SIGNING_SECRET');
    expect(p.output()).not.toContain('local playground');
  });

  it('refuses an invalid setting with the variable named', async () => {
    const p = spawnRole('bot', { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', PORT: 'eighty' });
    procs.push(p);
    expect(await p.exited).toBe(1);
    expect(p.output()).toMatch(/PORT/);
  });
});
