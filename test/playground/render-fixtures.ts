import type { WorkspaceChannel, WorkspaceUser } from '../../src/playground/slack-api/workspace.js';
import type { RenderContext } from '../../src/playground/web/render/index.js';

export const maya: WorkspaceUser = {
  id: 'U0MAYA',
  name: 'maya',
  realName: 'Maya Chen (requester)',
  teamId: 'T0PLAY',
  isBot: false,
  role: 'requester',
};
export const bot: WorkspaceUser = {
  id: 'U0BOT',
  name: 'pipewright',
  realName: 'Pipewright',
  teamId: 'T0PLAY',
  isBot: true,
  role: 'bot',
};
/** A person whose chosen name is an attack: it must show as text. */
export const mallory: WorkspaceUser = {
  id: 'U0EVIL',
  name: '<img src=x onerror=alert(1)>',
  realName: '"><script>alert(1)</script>',
  teamId: 'T0PLAY',
  isBot: false,
  role: 'teammate',
};
export const general: WorkspaceChannel = { id: 'C0GENERAL', name: 'general', isPrivate: false, isIm: false };

export function makeContext(overrides: Partial<RenderContext> = {}): RenderContext {
  return {
    users: new Map([maya, bot, mallory].map((u) => [u.id, u])),
    channels: new Map([[general.id, general]]),
    fileUrl: (id) => `/files/${encodeURIComponent(id)}`,
    botUserId: bot.id,
    formatTime: (date) => date.toISOString().slice(11, 16),
    ...overrides,
  };
}
