import type { WebClient } from '@slack/web-api';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { KeySpace } from '../memory/keys.js';

/**
 * The members of APPROVER_GROUP, as Slack's usergroups.users.list says, cached briefly in Redis (a member
 * added or removed in Slack counts within a minute). Who may decide stays in code (domain/authority.ts):
 * this only answers "is this person in the group" at the edge, or says that Slack could not be asked.
 */

/** How long a group's member list is kept. */
export const USER_GROUP_CACHE_TTL_SECONDS = 60;

/** Slack could not tell us who is in the group (an error, a timeout): nobody is guessed to be in it. */
export class ApproverGroupUnavailableError extends Error {
  readonly code = 'approver_group_unavailable';
  constructor(
    readonly groupId: string,
    cause: unknown,
  ) {
    super(`could not read the members of user group ${groupId}`, { cause });
    this.name = 'ApproverGroupUnavailableError';
  }
}

const membersSchema = z.array(z.string());
const usersListSchema = z.object({ users: z.array(z.string()).default([]) });

export class ApproverGroupDirectory {
  constructor(
    private readonly redis: Redis,
    private readonly keys: KeySpace,
    private readonly logger: Logger,
    private readonly ttlSeconds: number = USER_GROUP_CACHE_TTL_SECONDS,
  ) {}

  /** The group's members (user ids). Throws ApproverGroupUnavailableError when Slack cannot be asked. */
  async members(client: WebClient, teamId: string, groupId: string): Promise<string[]> {
    const key = this.keys.slackUserGroup(teamId, groupId);
    const cached = await this.redis.get(key).catch((err: unknown) => {
      this.logger.debug({ err, key }, 'user group cache unreadable; asking Slack');
      return null;
    });
    if (cached !== null) {
      const parsed = membersSchema.safeParse(safeJson(cached));
      if (parsed.success) return parsed.data;
    }
    let members: string[];
    try {
      members = usersListSchema.parse(await client.usergroups.users.list({ usergroup: groupId })).users;
    } catch (err) {
      this.logger.warn({ err, groupId }, 'could not read the approver group from Slack');
      throw new ApproverGroupUnavailableError(groupId, err);
    }
    await this.redis
      .set(key, JSON.stringify(members), 'EX', this.ttlSeconds)
      .catch((err: unknown) => this.logger.debug({ err, key }, 'user group not cached'));
    return members;
  }

  /** Whether `userId` is in the group now. Throws ApproverGroupUnavailableError when Slack cannot be asked. */
  async isMember(client: WebClient, teamId: string, groupId: string, userId: string): Promise<boolean> {
    return (await this.members(client, teamId, groupId)).includes(userId);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
