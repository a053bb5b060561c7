import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { ConfigError } from '../../src/domain/errors.js';
import {
  type Admission,
  BREAKER_IDLE_TTL_MS,
  type BreakerSettings,
  CircuitBreaker,
} from '../../src/memory/circuit-breaker.js';

const SETTINGS: BreakerSettings = { failureThreshold: 3, openMs: 10_000, probeTimeoutMs: 60_000 };
/** Denied callers during a probe wait min(openMs, 5 s), plus up to 10 % jitter. */
const PROBE_WAIT_MS = 5_000;

describe('CircuitBreaker (shared through Redis)', () => {
  const connections: Redis[] = [];
  let key: string;
  let clock: number;
  const now = () => clock;

  /** A fresh connection, standing in for one worker process. */
  const connect = () => {
    const redis = new Redis(inject('redisUrl'));
    connections.push(redis);
    return redis;
  };
  /** A breaker in its own "process", reading the shared test clock. */
  const breaker = (settings: Partial<BreakerSettings> = SETTINGS) =>
    new CircuitBreaker(connect(), key, settings, now);

  const openIt = async (b: CircuitBreaker) => {
    for (let i = 0; i < SETTINGS.failureThreshold; i++) await b.recordFailure();
    const snap = await b.snapshot();
    expect(snap.state).toBe('open');
    return snap.openUntil as number;
  };
  const probeOf = (a: Admission) => {
    if (!a.allowed || !a.probe) throw new Error(`expected a probe, got ${JSON.stringify(a)}`);
    return a.probeToken;
  };

  beforeEach(() => {
    key = `t${randomUUID().slice(0, 8)}:breaker:model`;
    clock = 1_700_000_000_000;
  });

  afterEach(async () => {
    const first = connections[0];
    if (first) await first.del(key);
    await Promise.all(connections.splice(0).map((c) => c.quit()));
  });

  it('opens after N consecutive failures and not before', async () => {
    const b = breaker();
    expect(await b.recordFailure()).toBe('closed');
    expect(await b.recordFailure()).toBe('closed');
    expect(await b.admit()).toEqual({ allowed: true, probe: false, admittedAt: clock });
    expect(await b.snapshot()).toEqual({ state: 'closed', consecutiveFailures: 2 });

    expect(await b.recordFailure()).toBe('open');
    expect(await b.snapshot()).toEqual({
      state: 'open',
      consecutiveFailures: 3,
      openUntil: clock + SETTINGS.openMs,
    });
    expect((await b.admit()).allowed).toBe(false);
  });

  it('counts failures from every process towards the same threshold', async () => {
    const [a, b, c] = [breaker(), breaker(), breaker()];
    expect(await a.recordFailure()).toBe('closed');
    expect(await b.recordFailure()).toBe('closed');
    expect(await c.recordFailure()).toBe('open');
    expect((await a.admit()).allowed).toBe(false);
  });

  it('a success in between resets the count', async () => {
    const b = breaker();
    await b.recordFailure();
    await b.recordFailure();
    expect(await b.recordSuccess()).toBe('closed');
    expect(await b.snapshot()).toEqual({ state: 'closed', consecutiveFailures: 0 });
    expect(await b.recordFailure()).toBe('closed');
    expect(await b.recordFailure()).toBe('closed');
    expect(await b.snapshot()).toEqual({ state: 'closed', consecutiveFailures: 2 });
    expect(await b.recordFailure()).toBe('open');
  });

  it('while open, denies with retryAt at openUntil plus at most 10 % of openMs', async () => {
    const b = breaker();
    const openUntil = await openIt(b);
    const retryAts = new Set<number>();
    for (const at of [clock, clock + 1, openUntil - 1]) {
      clock = at;
      for (let i = 0; i < 10; i++) {
        const a = await b.admit();
        if (a.allowed) throw new Error('admitted while open');
        expect(a.state).toBe('open');
        expect(a.retryAt).toBeGreaterThanOrEqual(openUntil);
        expect(a.retryAt).toBeLessThanOrEqual(openUntil + SETTINGS.openMs * 0.1);
        retryAts.add(a.retryAt);
      }
    }
    // Jittered: 30 denials do not all name the same millisecond.
    expect(retryAts.size).toBeGreaterThan(1);
    expect((await b.snapshot()).state).toBe('open');
  });

  it('after openUntil, exactly one of 20 concurrent callers across 3 connections becomes the probe', async () => {
    const workers = [breaker(), breaker(), breaker()];
    const openUntil = await openIt(workers[0] as CircuitBreaker);
    clock = openUntil;

    const admissions = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (workers[i % workers.length] as CircuitBreaker).admit()),
    );
    const probes = admissions.filter((a) => a.allowed);
    expect(probes).toHaveLength(1);
    expect(probes[0]).toMatchObject({ allowed: true, probe: true, probeToken: expect.any(String) });
    for (const a of admissions) {
      if (a.allowed) continue;
      expect(a.state).toBe('half_open');
      expect(a.retryAt).toBeGreaterThanOrEqual(clock + PROBE_WAIT_MS);
      expect(a.retryAt).toBeLessThanOrEqual(clock + PROBE_WAIT_MS * 1.1);
    }
    expect((await workers[1]?.snapshot())?.state).toBe('half_open');
  });

  it('the probe succeeding closes the breaker for everyone', async () => {
    const [a, b] = [breaker(), breaker()];
    clock = await openIt(a);
    const token = probeOf(await a.admit());
    expect((await b.admit()).allowed).toBe(false);

    expect(await a.recordSuccess(token)).toBe('closed');
    expect(await b.snapshot()).toEqual({ state: 'closed', consecutiveFailures: 0 });
    expect(await b.admit()).toEqual({ allowed: true, probe: false, admittedAt: clock });
    // It remembers when it closed (to tell late reports apart) until it has been idle for a day.
    expect(await connections[0]?.hgetall(key)).toEqual({
      state: 'closed',
      failures: '0',
      closedAt: String(clock),
    });
    expect(await connections[0]?.pttl(key)).toBeGreaterThan(0);
  });

  it('the probe failing re-opens the breaker with a fresh openUntil', async () => {
    const [a, b] = [breaker(), breaker()];
    const firstOpenUntil = await openIt(a);
    clock = firstOpenUntil + 2_000;
    const token = probeOf(await a.admit());
    clock += 500; // the probe took a while

    expect(await a.recordFailure(token)).toBe('open');
    const snap = await b.snapshot();
    expect(snap).toEqual({
      state: 'open',
      consecutiveFailures: SETTINGS.failureThreshold + 1,
      openUntil: clock + SETTINGS.openMs,
    });
    const denied = await b.admit();
    expect(denied).toMatchObject({ allowed: false, state: 'open' });
    if (!denied.allowed) expect(denied.retryAt).toBeGreaterThanOrEqual(clock + SETTINGS.openMs);

    // And the cycle repeats: one new probe once the new openUntil passes.
    clock = snap.openUntil as number;
    const again = await b.admit();
    expect(again).toMatchObject({ allowed: true, probe: true });
    expect(probeOf(again)).not.toBe(token);
  });

  it('an abandoned probe lets another caller probe after probeTimeoutMs', async () => {
    const [dead, live] = [breaker(), breaker()];
    const openUntil = await openIt(live);
    clock = openUntil;
    const deadToken = probeOf(await dead.admit());

    clock = openUntil + SETTINGS.probeTimeoutMs - 1;
    expect(await live.admit()).toMatchObject({ allowed: false, state: 'half_open' });

    clock = openUntil + SETTINGS.probeTimeoutMs;
    const liveToken = probeOf(await live.admit());
    expect(liveToken).not.toBe(deadToken);
    expect(await dead.admit()).toMatchObject({ allowed: false, state: 'half_open' });

    // The first probe reporting late carries a token that is no longer current: ignored either way.
    expect(await dead.recordSuccess(deadToken)).toBe('half_open');
    expect(await dead.recordFailure(deadToken)).toBe('half_open');
    expect((await live.snapshot()).state).toBe('half_open');

    expect(await live.recordSuccess(liveToken)).toBe('closed');
    expect(await dead.admit()).toEqual({ allowed: true, probe: false, admittedAt: clock });
  });

  it('ignores late reports from calls admitted before the breaker opened', async () => {
    const b = breaker();
    const openUntil = await openIt(b);

    // Open: a late success does not close it, a late failure does not push openUntil out.
    clock += 1_000;
    expect(await b.recordSuccess()).toBe('open');
    expect(await b.recordFailure()).toBe('open');
    expect(await b.snapshot()).toEqual({ state: 'open', consecutiveFailures: 3, openUntil });

    // Half-open: only the probe decides; no second probe appears.
    clock = openUntil;
    const token = probeOf(await b.admit());
    expect(await b.recordSuccess()).toBe('half_open');
    expect(await b.recordFailure()).toBe('half_open');
    expect(await b.admit()).toMatchObject({ allowed: false, state: 'half_open' });
    expect(await b.recordSuccess(token)).toBe('closed');
  });

  it('does not count a failure from before the outage ended towards the next one', async () => {
    const b = breaker();
    const slow = await b.admit(); // a long call, started while all was well
    if (!slow.allowed) throw new Error('expected admission');
    clock += 1_000;
    const openUntil = await openIt(b);
    clock = openUntil;
    const token = probeOf(await b.admit());
    clock += 500;
    expect(await b.recordSuccess(token)).toBe('closed');

    // The slow call now fails: the outage it belongs to is over, so the fresh count stays at zero.
    clock += 500;
    expect(await b.recordFailure(undefined, slow.admittedAt)).toBe('closed');
    expect(await b.snapshot()).toEqual({ state: 'closed', consecutiveFailures: 0 });

    // A call admitted after the breaker closed counts as usual, and a success still resets the count.
    const fresh = await b.admit();
    if (!fresh.allowed) throw new Error('expected admission');
    expect(await b.recordFailure(undefined, fresh.admittedAt)).toBe('closed');
    expect(await b.snapshot()).toEqual({ state: 'closed', consecutiveFailures: 1 });
    expect(await b.recordSuccess()).toBe('closed');
    expect(await b.snapshot()).toEqual({ state: 'closed', consecutiveFailures: 0 });
    for (let i = 0; i < SETTINGS.failureThreshold; i++) await b.recordFailure(undefined, clock);
    expect((await b.snapshot()).state).toBe('open');
  });

  it('snapshot reports a missing hash as closed, and a corrupt one as closed until the next write', async () => {
    const b = breaker();
    expect(await b.snapshot()).toEqual({ state: 'closed', consecutiveFailures: 0 });

    const redis = connections[0] as Redis;
    await redis.hset(key, { state: 'sideways', failures: 'lots' });
    expect(await b.snapshot()).toEqual({ state: 'closed', consecutiveFailures: 0 });
    expect(await b.admit()).toEqual({ allowed: true, probe: false, admittedAt: clock });
    expect(await b.recordFailure()).toBe('closed');
    expect(await redis.hgetall(key)).toEqual({ state: 'closed', failures: '1' });

    await redis.hset(key, { state: 'open' }); // open without openUntil
    expect((await b.snapshot()).state).toBe('closed');
  });

  it('writes expire after long inactivity', async () => {
    const b = breaker();
    await b.recordFailure();
    const ttl = await (connections[0] as Redis).pttl(key);
    expect(ttl).toBeGreaterThan(BREAKER_IDLE_TTL_MS - 60_000);
    expect(ttl).toBeLessThanOrEqual(BREAKER_IDLE_TTL_MS);
  });

  it('uses the documented defaults and rejects nonsense settings', async () => {
    const b = new CircuitBreaker(connect(), key, {}, now);
    for (let i = 0; i < 4; i++) expect(await b.recordFailure()).toBe('closed');
    expect(await b.recordFailure()).toBe('open');
    expect((await b.snapshot()).openUntil).toBe(clock + 30_000);

    expect(() => new CircuitBreaker(connect(), key, { failureThreshold: 0 })).toThrow(ConfigError);
    expect(() => new CircuitBreaker(connect(), key, { openMs: Number.NaN })).toThrow(ConfigError);
  });
});
