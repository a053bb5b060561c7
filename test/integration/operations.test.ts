import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { startRedisServer } from '../support/redis-server.js';
import { runToFirstGate, startHarness } from './harness.js';

/** The value of one sample line, e.g. metric('pipewright_model_tokens_total{kind="input"}'). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('operator endpoints', () => {
  it('serves Prometheus metrics that reflect the run: tokens, model jobs, queue depth', async () => {
    const h = await startHarness();
    await runToFirstGate(h);
    const res = await fetch(`${h.appUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await res.text();
    expect(sample(text, 'pipewright_model_tokens_total{kind="input"}')).toBeGreaterThan(0);
    expect(sample(text, 'pipewright_model_jobs_total{outcome="ok"}')).toBe(6); // clarify, plan, four stages
    expect(sample(text, 'pipewright_slack_events_total{kind="message"}')).toBe(2);
    expect(text).toMatch(/pipewright_queue_jobs\{queue="agents",state="waiting"\} 0/);
    expect(text).toContain('pipewright_stage_duration_seconds_bucket');
    expect(text).toContain('pipewright_process_resident_memory_bytes');
  });

  it('answers healthz with JSON naming the process role', async () => {
    const h = await startHarness();
    const res = await fetch(`${h.appUrl}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', role: 'all', redis: 'up' });
  });

  it('stops cleanly when told to stop straight after starting, with nothing left to blow up later', async () => {
    // A SIGTERM during start-up must not crash the process with an error from a half-open connection.
    const escaped: unknown[] = [];
    const record = (reason: unknown) => escaped.push(reason);
    process.on('unhandledRejection', record);
    try {
      for (let i = 0; i < 6; i++) {
        const h = await startHarness();
        await h.close();
      }
      // Connections report their close on a later turn of the event loop: give them one.
      await sleep(300);
      expect(escaped.map(String)).toEqual([]);
    } finally {
      process.off('unhandledRejection', record);
    }
  });

  it('warns loudly at start-up when Redis may evict keys', async () => {
    const redis = await startRedisServer();
    try {
      const admin = new Redis(redis.url);
      await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
      admin.disconnect();
      const h = await startHarness({ REDIS_URL: redis.url });
      const warning = h.logs.find((l) => l.level === 40 && l.maxmemoryPolicy === 'allkeys-lru');
      expect(String(warning?.msg)).toMatch(/may evict queue jobs and project state.*noeviction/);
      await h.close();
    } finally {
      await redis.stop();
    }
  });
});
