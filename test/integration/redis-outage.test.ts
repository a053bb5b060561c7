import { describe, expect, it } from 'vitest';
import { startRedisServer } from '../support/redis-server.js';
import { eventEnvelope, postSignedEvent } from '../support/slack-signing.js';
import { waitFor } from '../support/wait.js';
import { CHANNEL, nextTs, REQUESTER, SIGNING_SECRET, startHarness, TEAM, waitForHealthz } from './harness.js';

const health = async (url: string) => {
  const res = await fetch(`${url}/healthz`);
  return { status: res.status, body: (await res.json()) as { redis: string } };
};

describe('Redis outage', () => {
  it('answers 503 on healthz, logs it, loses no mention, and recovers when Redis returns', async () => {
    const redis = await startRedisServer();
    let redisUp = true;
    const h = await startHarness({ REDIS_URL: redis.url });
    try {
      expect(await health(h.appUrl)).toEqual({ status: 200, body: expect.objectContaining({ redis: 'up' }) });

      await redis.stop();
      redisUp = false;
      await waitForHealthz(h, 503);
      expect((await health(h.appUrl)).body.redis).toBe('down');
      await waitFor(() => h?.logs.some((l) => l.level === 50 && l.msg === 'redis connection error'), {
        message: 'no error log for the outage',
      });

      // A mention during the outage is not acked as done: Slack gets a 500 and will deliver it again.
      const ts = nextTs();
      const envelope = eventEnvelope(
        { type: 'app_mention', user: REQUESTER, text: '<@UBOT> build a churn model', ts, channel: CHANNEL },
        { teamId: TEAM },
      );
      expect((await postSignedEvent(h.appUrl, SIGNING_SECRET, envelope)).status).toBe(500);

      await redis.restart();
      redisUp = true;
      await waitForHealthz(h, 200);
      // Slack's redelivery of the same event now opens the project.
      expect((await postSignedEvent(h.appUrl, SIGNING_SECRET, envelope, { retryNum: 1 })).status).toBe(200);
      await h.waitForThread(ts, /A few questions before I plan/, 20_000);
    } finally {
      if (!redisUp) await redis.restart(); // failed mid-outage: let the system close cleanly
      await h.close();
      await redis.stop();
    }
  });
});
