import type { Redis } from 'ioredis';
import type { KeySpace } from './keys.js';
import { loadScript, runScript } from './lua.js';

/**
 * Slack allows about one chat.postMessage per second per channel, with short bursts. Every bot replica
 * reserves its slot here before posting, so the limit holds across processes instead of being found
 * out by a 429 (GCRA: one Redis key per channel holds the theoretical time of the next free slot).
 *
 * The clock is Redis' own (TIME), so replicas with skewed clocks still agree.
 * Returns how many ms the caller must wait before posting; the slot is its own once reserved.
 */
const RESERVE_SCRIPT = loadScript('channel-pace-reserve');

export interface ChannelPace {
  /** Minimum spacing of posts to one channel, in ms; 0 turns pacing off. */
  intervalMs: number;
  /** Posts allowed back to back before the spacing applies. */
  burst: number;
}

export class ChannelPacer {
  constructor(
    private readonly redis: Redis,
    private readonly keys: KeySpace,
    private readonly pace: ChannelPace,
  ) {}

  /** Reserves the next post slot in `channelId`; resolves with the ms to wait before using it. */
  async reserve(channelId: string): Promise<number> {
    if (this.pace.intervalMs <= 0) return 0;
    const wait = await runScript(
      this.redis,
      RESERVE_SCRIPT,
      1,
      this.keys.channelPace(channelId),
      this.pace.intervalMs,
      Math.max(1, this.pace.burst),
    );
    return Number(wait);
  }
}
