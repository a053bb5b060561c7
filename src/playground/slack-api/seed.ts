import type { SlackApiIdentity } from './identity.js';
import type { PlaygroundRole, WorkspaceChannel, WorkspaceUser } from './workspace.js';

/**
 * The playground's workspace: team "Pipewright Playground", #ml-projects, a DM with the bot per person, and
 * three people (a requester, a teammate, an approver) plus the bot. The ids are constants so the page,
 * the app's playground config (APPROVER_IDS) and tests can name them.
 */

export const PLAYGROUND_TEAM = {
  id: 'T0PLAYGRND',
  name: 'Pipewright Playground',
  domain: 'pipewright-playground',
};

export const PLAYGROUND_BOT = { userId: 'U0PIPEWRIGHT', botId: 'B0PIPEWRIGHT', name: 'pipewright' } as const;

/** The seeded people by role. */
export const PLAYGROUND_USER_IDS = {
  requester: 'U0MAYA',
  teammate: 'U0SAM',
  approver: 'U0PRIYA',
  bot: PLAYGROUND_BOT.userId,
} as const satisfies Record<PlaygroundRole, string>;

export const PLAYGROUND_CHANNEL_IDS = {
  mlProjects: 'C0MLPROJECTS',
  /** The DM each person has with the bot, by the person's role. */
  dm: { requester: 'D0MAYA', teammate: 'D0SAM', approver: 'D0PRIYA' },
} as const;

/** The playground's identity and tokens: the bot token is what the playground's Bolt app is given. */
export const PLAYGROUND_IDENTITY: SlackApiIdentity = {
  teamId: PLAYGROUND_TEAM.id,
  teamName: PLAYGROUND_TEAM.name,
  teamDomain: PLAYGROUND_TEAM.domain,
  botUserId: PLAYGROUND_BOT.userId,
  botId: PLAYGROUND_BOT.botId,
  botName: PLAYGROUND_BOT.name,
  botToken: 'xoxb-playground-bot-token',
  appToken: 'xapp-playground-app-token',
};

/** People and channels stored when a stand-in starts (and again after a reset). */
export interface WorkspaceSeed {
  users?: WorkspaceUser[];
  channels?: WorkspaceChannel[];
}

const person = (role: PlaygroundRole, name: string, realName: string, isBot = false): WorkspaceUser => ({
  id: PLAYGROUND_USER_IDS[role],
  name,
  realName,
  teamId: PLAYGROUND_TEAM.id,
  isBot,
  role,
});

export const PLAYGROUND_USERS: readonly WorkspaceUser[] = [
  person('requester', 'maya', 'Maya Chen (requester)'),
  person('teammate', 'sam', 'Sam Okafor (teammate)'),
  person('approver', 'priya', 'Priya Raman (approver)'),
  person('bot', PLAYGROUND_BOT.name, 'Pipewright', true),
];

export const PLAYGROUND_CHANNELS: readonly WorkspaceChannel[] = [
  { id: PLAYGROUND_CHANNEL_IDS.mlProjects, name: 'ml-projects', isPrivate: false, isIm: false },
  ...(['requester', 'teammate', 'approver'] as const).map(
    (role): WorkspaceChannel => ({
      id: PLAYGROUND_CHANNEL_IDS.dm[role],
      name: PLAYGROUND_USERS.find((u) => u.role === role)?.name ?? role,
      isPrivate: true,
      isIm: true,
      dmWith: PLAYGROUND_USER_IDS[role],
    }),
  ),
];

/** The playground's seed, for `startSlackApi({ seed })` (startPlaygroundSlackApi passes it). */
export function seedPlaygroundWorkspace(): WorkspaceSeed {
  return { users: [...PLAYGROUND_USERS], channels: [...PLAYGROUND_CHANNELS] };
}
