import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { assertNever } from '../domain/assert-never.js';
import { ConfigError, RecordCorruptError } from '../domain/errors.js';
import { loadScript, runScript } from './lua.js';

/**
 * A circuit breaker on the model provider, shared by every process through one Redis hash, so that when
 * the provider is down all workers back off together and stage jobs are delayed instead of spending their
 * attempts.
 *
 * Storage: one hash at `key` with fields `state`, `failures`, `openUntil`, `probeToken`, `probeExpires`,
 * `closedAt`. A missing hash means closed with no failures and never re-closed. Every write refreshes
 * an idle TTL of 24 h (longer if openMs + probeTimeoutMs need it), so a breaker nobody touches for a day
 * is forgotten rather than left stale. A hash that does not parse (unknown state, non-numeric fields) is
 * treated as closed with no failures, and the next write replaces every field.
 *
 * Each operation is one Lua script, so transitions are atomic across processes. Time comes from the
 * caller's clock (`now`, injectable for tests), not Redis TIME: worker clocks are assumed to be roughly in
 * step (NTP); a process whose clock is s ms ahead sees the open period end s ms early.
 *
 * Who decides, in each state:
 * - closed: every call is admitted. A failure without a probe token adds one to the consecutive count and,
 *   at `failureThreshold`, opens the breaker until now + openMs. A success resets the count.
 * - open: admit is denied with retryAt = openUntil + jitter (0–10 % of openMs). Once now >= openUntil the
 *   first caller to admit, in any process, becomes the single probe (state half_open, with a token that
 *   expires after probeTimeoutMs).
 * - half_open: only the probe's report (carrying its token) moves the breaker: success closes it, failure
 *   re-opens it until now + openMs. Other callers are denied with retryAt = now + min(openMs, 5 s) + jitter.
 *   If the probe never reports, the first caller after probeTimeoutMs becomes the new probe (new token).
 * - Late reports, from calls admitted before the breaker opened, are ignored while it is open or half-open:
 *   a late success does not close it (it proves nothing about the provider now and would bypass the probe)
 *   and a late failure neither re-opens it nor pushes openUntil out. A report carrying a token that is not
 *   the current probe's (a probe that timed out and was replaced) is ignored in every state.
 *   When the probe closes the breaker it stores `closedAt`; a failure from a call admitted before then
 *   (`admittedAt` < `closedAt`) is ignored after the breaker has closed, so an outage already dealt with
 *   does not count towards the next one.
 */

export interface BreakerSettings {
  /** Consecutive provider failures that open the breaker. Default 5. */
  failureThreshold: number;
  /** How long it stays open before one probe may go through, in ms. Default 30_000. */
  openMs: number;
  /** How long a half-open probe may take before another caller may probe, in ms. Default 120_000. */
  probeTimeoutMs: number;
}

export const DEFAULT_BREAKER_SETTINGS: Readonly<BreakerSettings> = {
  failureThreshold: 5,
  openMs: 30_000,
  probeTimeoutMs: 120_000,
};

/** The hash is forgotten after this long without a write (or longer, if the settings need it). */
export const BREAKER_IDLE_TTL_MS = 24 * 60 * 60 * 1000;

/** Longest a caller is told to wait while another caller probes. */
const MAX_PROBE_WAIT_MS = 5_000;

/** retryAt gets up to this fraction of the wait added, so delayed jobs do not all return at once. */
const JITTER_FRACTION = 0.1;

export type BreakerState = 'closed' | 'open' | 'half_open';

export type Admission =
  /** `probe`: this caller is the single half-open probe and must report with `probeToken` (set only then). */
  | { allowed: true; probe: boolean; probeToken?: string; admittedAt: number }
  /** Come back at `retryAt` (epoch ms). */
  | { allowed: false; retryAt: number; state: BreakerState };

export interface BreakerSnapshot {
  /** As stored: an open breaker whose openUntil has passed reads `open` until someone probes. */
  state: BreakerState;
  consecutiveFailures: number;
  /** Set while open. */
  openUntil?: number;
}

// Each script includes lua/includes/breaker-state.lua, which reads the hash into a normalized table and
// writes whole states; each file names its ARGV and reply.
const ADMIT_SCRIPT = loadScript('breaker-admit');
const FAILURE_SCRIPT = loadScript('breaker-failure');
const SUCCESS_SCRIPT = loadScript('breaker-success');
const SNAPSHOT_SCRIPT = loadScript('breaker-snapshot');

const stateSchema = z.enum(['closed', 'open', 'half_open']);
const epochSchema = z.number().int().nonnegative();
const admitReplySchema = z.union([
  z.tuple([z.literal('allow')]),
  z.tuple([z.literal('probe'), z.string().min(1)]),
  z.tuple([z.literal('deny'), epochSchema, stateSchema]),
]);
const snapshotReplySchema = z.tuple([stateSchema, z.number().int().nonnegative(), epochSchema.nullable()]);

const settingsSchema = z.object({
  failureThreshold: z.number().int().positive(),
  openMs: z.number().int().positive(),
  probeTimeoutMs: z.number().int().positive(),
});

export class CircuitBreaker {
  private readonly settings: BreakerSettings;
  private readonly ttlMs: number;
  private readonly probeWaitMs: number;

  /**
   * @param key the hash holding the breaker, e.g. `${prefix}:breaker:model`
   * @param now the clock every transition is judged by (epoch ms)
   */
  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    settings: Partial<BreakerSettings> = {},
    private readonly now: () => number = Date.now,
  ) {
    const parsed = settingsSchema.safeParse({ ...DEFAULT_BREAKER_SETTINGS, ...settings });
    if (!parsed.success) {
      throw new ConfigError(`circuit breaker settings are invalid: ${parsed.error.message}`);
    }
    this.settings = parsed.data;
    this.probeWaitMs = Math.min(this.settings.openMs, MAX_PROBE_WAIT_MS);
    this.ttlMs = Math.max(BREAKER_IDLE_TTL_MS, 2 * (this.settings.openMs + this.settings.probeTimeoutMs));
  }

  /** Asks before a model call. A probe must report with its token, whatever the outcome. */
  async admit(): Promise<Admission> {
    const now = this.clock();
    const reply = await runScript(
      this.redis,
      ADMIT_SCRIPT,
      1,
      this.key,
      now,
      this.settings.openMs,
      this.settings.probeTimeoutMs,
      this.probeWaitMs,
      Math.random() * JITTER_FRACTION,
      randomUUID(),
      this.ttlMs,
    );
    const r = this.parse(admitReplySchema, reply);
    switch (r[0]) {
      case 'allow':
        return { allowed: true, probe: false, admittedAt: now };
      case 'probe':
        return { allowed: true, probe: true, probeToken: r[1], admittedAt: now };
      case 'deny':
        return { allowed: false, retryAt: r[1], state: r[2] };
      default:
        return assertNever(r);
    }
  }

  /** The provider answered. Closes the breaker if this was the probe; resets the count while closed. */
  async recordSuccess(probeToken?: string): Promise<BreakerState> {
    const reply = await runScript(
      this.redis,
      SUCCESS_SCRIPT,
      1,
      this.key,
      this.clock(),
      probeToken ?? '',
      this.ttlMs,
    );
    return this.parse(stateSchema, reply);
  }

  /**
   * The provider failed (count only provider faults: 5xx, overload, timeouts — not rejected requests or
   * bad output). Pass the admission's `admittedAt`, so a call that outlived an outage's end is not counted
   * twice. Returns the state after: `open` when this failure opened or re-opened the breaker.
   */
  async recordFailure(probeToken?: string, admittedAt?: number): Promise<BreakerState> {
    const reply = await runScript(
      this.redis,
      FAILURE_SCRIPT,
      1,
      this.key,
      this.clock(),
      probeToken ?? '',
      this.settings.failureThreshold,
      this.settings.openMs,
      this.ttlMs,
      admittedAt ?? '',
    );
    return this.parse(stateSchema, reply);
  }

  /** The stored state, for metrics and status. */
  async snapshot(): Promise<BreakerSnapshot> {
    const reply = await runScript(this.redis, SNAPSHOT_SCRIPT, 1, this.key);
    const [state, consecutiveFailures, openUntil] = this.parse(snapshotReplySchema, reply);
    return openUntil === null ? { state, consecutiveFailures } : { state, consecutiveFailures, openUntil };
  }

  private clock(): number {
    return Math.floor(this.now());
  }

  private parse<T>(schema: z.ZodType<T>, reply: unknown): T {
    const parsed = schema.safeParse(reply);
    if (!parsed.success) throw new RecordCorruptError(this.key, parsed.error);
    return parsed.data;
  }
}
