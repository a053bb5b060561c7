import type { Redis } from 'ioredis';
import { seedPlaygroundWorkspace } from './seed.js';
import { type SlackApiStandIn, startSlackApi } from './server.js';

/** The Slack stand-in's public face: start it, learn its URLs and tokens, read its workspace. */

export { blockKitErrors, viewErrors } from './block-kit-limits.js';
export type { SlackApiIdentity } from './identity.js';
export { type WorkspaceKeys, workspaceKeys } from './keys.js';
export {
  PLAYGROUND_BOT,
  PLAYGROUND_CHANNEL_IDS,
  PLAYGROUND_CHANNELS,
  PLAYGROUND_IDENTITY,
  PLAYGROUND_TEAM,
  PLAYGROUND_USER_IDS,
  PLAYGROUND_USERS,
  seedPlaygroundWorkspace,
  type WorkspaceSeed,
} from './seed.js';
export {
  type EnvelopeType,
  type ResponseTarget,
  type SendEnvelopeOptions,
  type SlackApiOptions,
  type SlackApiStandIn,
  type SlackCall,
  type SocketAck,
  type StandInChannel,
  type StandInUser,
  startSlackApi,
} from './server.js';
export type * from './workspace.js';

/** The default key prefix of the playground's workspace in Redis. */
export const PLAYGROUND_KEY_PREFIX = 'pw-playground:slack';

/**
 * The stand-in as the playground runs it: the playground's team, people and channels (seeded), under
 * `keyPrefix` (PLAYGROUND_KEY_PREFIX), so a restart finds the same channels and threads.
 */
export function startPlaygroundSlackApi(opts: {
  redis: Redis;
  keyPrefix?: string;
  port?: number;
}): Promise<SlackApiStandIn> {
  return startSlackApi({
    redis: opts.redis,
    keyPrefix: opts.keyPrefix ?? PLAYGROUND_KEY_PREFIX,
    seed: seedPlaygroundWorkspace(),
    ...(opts.port !== undefined && { port: opts.port }),
  });
}
