import type { WebClient } from '@slack/web-api';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { KeySpace } from '../memory/keys.js';

/**
 * What Slack says about the people and conversations a listener hears from: whether a user is a guest
 * (users.info `is_restricted` / `is_ultra_restricted`) or a bot, and who can read a conversation
 * (conversations.info). Answers are cached in Redis for a few minutes, so a busy thread costs one lookup
 * per user per few minutes, and every lookup is bounded in time: the listener acks within Slack's 3 s
 * whatever Slack or Redis do. A lookup that fails or runs late answers "not known"; its late answer
 * still fills the cache for the next message.
 */

/** How long a listener waits for users.info or conversations.info before going on without the answer. */
export const LOOKUP_TIMEOUT_MS = 800;
/** How long an answer is kept: a guest promoted to member (or the reverse) is seen within minutes. */
export const LOOKUP_CACHE_TTL_SECONDS = 5 * 60;

export type Visibility = 'public' | 'private';

/** A user as the orchestrator needs to know them. */
export interface UserFacts {
  kind: 'member' | 'guest';
  /** The user's own workspace, as users.info reports it. */
  teamId: string | undefined;
  isBot: boolean;
}

const userFactsSchema = z.object({
  kind: z.enum(['member', 'guest']),
  teamId: z.string().optional(),
  isBot: z.boolean(),
});

const usersInfoSchema = z.object({
  user: z.object({
    team_id: z.string().optional(),
    is_bot: z.boolean().optional(),
    is_restricted: z.boolean().optional(),
    is_ultra_restricted: z.boolean().optional(),
  }),
});

const conversationsInfoSchema = z.object({
  channel: z.object({
    is_private: z.boolean().optional(),
    is_im: z.boolean().optional(),
    is_mpim: z.boolean().optional(),
  }),
});

/** A single- or multi-channel guest is a guest; everyone else a member. */
export function userFactsOf(user: z.infer<typeof usersInfoSchema>['user']): UserFacts {
  return {
    kind: user.is_restricted || user.is_ultra_restricted ? 'guest' : 'member',
    teamId: user.team_id,
    isBot: user.is_bot ?? false,
  };
}

/** Only a public channel is public; private channels, DMs and group DMs are private. */
export function visibilityOfChannel(channel: z.infer<typeof conversationsInfoSchema>['channel']): Visibility {
  return channel.is_private || channel.is_im || channel.is_mpim ? 'private' : 'public';
}

/** A message event's `channel_type` (channel | group | im | mpim); undefined when it names none. */
export function visibilityOfChannelType(channelType: string | undefined): Visibility | undefined {
  switch (channelType) {
    case 'channel':
      return 'public';
    case 'group':
    case 'im':
    case 'mpim':
      return 'private';
    default:
      return undefined;
  }
}

export interface SlackDirectoryOptions {
  timeoutMs?: number;
  ttlSeconds?: number;
}

export class SlackDirectory {
  private readonly timeoutMs: number;
  private readonly ttlSeconds: number;

  constructor(
    private readonly redis: Redis,
    private readonly keys: KeySpace,
    private readonly logger: Logger,
    opts: SlackDirectoryOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? LOOKUP_TIMEOUT_MS;
    this.ttlSeconds = opts.ttlSeconds ?? LOOKUP_CACHE_TTL_SECONDS;
  }

  /** The user as seen from workspace `teamId`; undefined when Slack did not tell us in time. */
  async user(client: WebClient, teamId: string, userId: string): Promise<UserFacts | undefined> {
    const key = this.keys.slackUser(teamId, userId);
    const cached = await this.cached(key);
    if (cached !== undefined) {
      const parsed = userFactsSchema.safeParse(safeJson(cached));
      if (parsed.success) return { ...parsed.data, teamId: parsed.data.teamId };
    }
    return this.lookUp(key, 'users.info', async () => {
      const facts = userFactsOf(usersInfoSchema.parse(await client.users.info({ user: userId })).user);
      return { value: facts, stored: JSON.stringify(facts) };
    });
  }

  /** Who can read conversation `channelId`; undefined when Slack did not tell us in time. */
  async visibility(client: WebClient, teamId: string, channelId: string): Promise<Visibility | undefined> {
    const key = this.keys.slackChannel(teamId, channelId);
    const cached = await this.cached(key);
    if (cached === 'public' || cached === 'private') return cached;
    return this.lookUp(key, 'conversations.info', async () => {
      const info = conversationsInfoSchema.parse(await client.conversations.info({ channel: channelId }));
      const visibility = visibilityOfChannel(info.channel);
      return { value: visibility, stored: visibility };
    });
  }

  /** A cache read that fails (Redis down) is a miss: the lookup itself is bounded anyway. */
  private async cached(key: string): Promise<string | undefined> {
    try {
      return (await this.redis.get(key)) ?? undefined;
    } catch (err) {
      this.logger.debug({ err, key }, 'slack lookup cache unreadable; asking Slack');
      return undefined;
    }
  }

  private async lookUp<T>(
    key: string,
    method: string,
    ask: () => Promise<{ value: T; stored: string }>,
  ): Promise<T | undefined> {
    const answer = ask().then(async ({ value, stored }) => {
      await this.redis
        .set(key, stored, 'EX', this.ttlSeconds)
        .catch((err: unknown) => this.logger.debug({ err, key }, 'slack lookup not cached'));
      return value;
    });
    const result = await withinMs(answer, this.timeoutMs);
    if (result.kind === 'answer') return result.value;
    if (result.kind === 'failed') this.logger.warn({ err: result.error, method }, 'slack lookup failed');
    else
      this.logger.warn({ method, timeoutMs: this.timeoutMs }, 'slack lookup too slow; going on without it');
    return undefined;
  }
}

type Outcome<T> = { kind: 'answer'; value: T } | { kind: 'failed'; error: unknown } | { kind: 'late' };

/** Settles with the promise's outcome, or `late` after `ms`; the promise itself runs on. */
async function withinMs<T>(promise: Promise<T>, ms: number): Promise<Outcome<T>> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Outcome<T>>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'late' }), ms);
  });
  try {
    return await Promise.race([
      promise.then(
        (value): Outcome<T> => ({ kind: 'answer', value }),
        (error: unknown): Outcome<T> => ({ kind: 'failed', error }),
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
