import type { Redis } from 'ioredis';
import type { KeySpace } from './keys.js';

/** The Slack features a workspace may lack (an app not declared as an agent, an older plan). */
export type SlackFeature = 'agent-sessions' | 'task-cards';

/** How long a workspace that refused a feature is left alone before it is tried again. */
export const FEATURE_HOLD_MS = 60 * 60 * 1000;

/**
 * Workspaces that refused a Slack feature lately, shared by every bot replica: once Slack answers that a
 * method is not allowed there, the outbox stops calling it for that workspace for a while instead of
 * failing (and logging) on every change of every project.
 */
export class FeatureHolds {
  constructor(
    private readonly redis: Redis,
    private readonly keys: KeySpace,
  ) {}

  async isHeld(teamId: string, feature: SlackFeature): Promise<boolean> {
    return (await this.redis.exists(this.keys.featureHold(teamId, feature))) === 1;
  }

  async hold(teamId: string, feature: SlackFeature, reason: string, ms = FEATURE_HOLD_MS): Promise<void> {
    await this.redis.set(this.keys.featureHold(teamId, feature), reason, 'PX', ms);
  }
}
