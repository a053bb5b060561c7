import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import { type SlackApiStandIn, startSlackApi } from '../../src/playground/slack-api/index.js';

/**
 * The tests' Slack stand-in is the product's (src/playground/slack-api): the same server, on the test run's
 * Redis under a fresh key prefix per stand-in, with the identity the tests have always used (team T0001,
 * bot UBOT / BBOT, token xoxb-test-token). Point the real WebClient at it with
 * `new WebClient(token, { slackApiUrl: standIn.apiUrl })` (Bolt: `clientOptions: { slackApiUrl }`).
 */

export type {
  EnvelopeType,
  ResponseTarget,
  SendEnvelopeOptions,
  SlackCall,
  SocketAck,
  StandInChannel,
  StandInUser,
} from '../../src/playground/slack-api/index.js';
export { blockKitErrors } from '../../src/playground/slack-api/index.js';

export interface SlackStandInOptions {
  token?: string;
  /** The app-level token (`xapp-…`) `apps.connections.open` accepts. */
  appToken?: string;
  teamId?: string;
  botUserId?: string;
  botId?: string;
  /** Key prefix of the workspace in Redis: a fresh one unless given (a test of a restart gives the same). */
  keyPrefix?: string;
}

export type SlackStandIn = SlackApiStandIn & {
  /** The workspace's key prefix, to start another stand-in on the same workspace. */
  keyPrefix: string;
};

export async function startSlackStandIn(opts: SlackStandInOptions = {}): Promise<SlackStandIn> {
  const redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: 1 });
  const keyPrefix = opts.keyPrefix ?? `test-slack:${randomUUID()}`;
  try {
    const standIn = await startSlackApi({
      redis,
      keyPrefix,
      identity: {
        teamId: opts.teamId ?? 'T0001',
        teamName: 'Test',
        teamDomain: 'test',
        botUserId: opts.botUserId ?? 'UBOT',
        botId: opts.botId ?? 'BBOT',
        botName: 'pipewright',
        botToken: opts.token ?? 'xoxb-test-token',
        appToken: opts.appToken ?? 'xapp-test-token',
      },
    });
    return {
      ...standIn,
      keyPrefix,
      close: async () => {
        await standIn.close();
        await redis.quit();
      },
    };
  } catch (error) {
    redis.disconnect();
    throw error;
  }
}
