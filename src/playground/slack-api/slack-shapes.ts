import type { SlackApiIdentity } from './identity.js';
import type { StoredMessage, StoredView } from './store.js';
import type { WorkspaceChannel, WorkspaceFile, WorkspaceUser } from './workspace.js';

/** The JSON Slack answers with for messages, files, users, channels and views, built from what is stored. */

/** How users.info describes a user (`setUser`); unset fields answer as stored, or as a plain member of the team. */
export interface StandInUser {
  teamId?: string;
  /** A multi-channel guest. */
  isRestricted?: boolean;
  /** A single-channel guest. */
  isUltraRestricted?: boolean;
  isBot?: boolean;
}

/** How conversations.info describes a channel (`setChannel`); unset: as stored, else by its id (D… a DM, G… private, else public). */
export interface StandInChannel {
  isPrivate?: boolean;
  isIm?: boolean;
  isMpim?: boolean;
  isExtShared?: boolean;
}

/** Where the stand-in serves files: `<origin>/files-pri/<team>-<file id>/…`. */
export interface ShapeContext {
  identity: SlackApiIdentity;
  origin: string;
}

const CREATED = 1_700_000_000;

export function slackMessage(
  ctx: ShapeContext,
  m: StoredMessage,
  opts: { withMetadata?: boolean } = { withMetadata: true },
): Record<string, unknown> {
  if (m.tombstone) {
    return {
      type: 'message',
      subtype: 'tombstone',
      ts: m.ts,
      text: m.text,
      user: 'USLACKBOT',
      hidden: true,
      ...(m.replyCount !== undefined && {
        thread_ts: m.ts,
        reply_count: m.replyCount,
        latest_reply: m.latestReply,
      }),
    };
  }
  return {
    type: 'message',
    ts: m.ts,
    text: m.text,
    ...(m.user !== undefined && { user: m.user }),
    ...(m.botId !== undefined && { bot_id: m.botId }),
    team: ctx.identity.teamId,
    ...(m.threadTs !== undefined && { thread_ts: m.threadTs }),
    ...(m.replyCount !== undefined && { reply_count: m.replyCount, latest_reply: m.latestReply }),
    ...(m.blocks !== undefined && { blocks: m.blocks }),
    ...(m.attachments !== undefined && { attachments: m.attachments }),
    ...(m.metadata !== undefined && opts.withMetadata && { metadata: m.metadata }),
    ...(m.files !== undefined && { files: m.files.map((f) => slackFile(ctx, f)) }),
    ...(m.edited !== undefined && { edited: m.edited }),
  };
}

export function fileUrls(ctx: ShapeContext, fileId: string, name: string) {
  const base = `${ctx.origin}/files-pri/${ctx.identity.teamId}-${fileId}`;
  return {
    url_private: `${base}/${encodeURIComponent(name)}`,
    url_private_download: `${base}/download/${encodeURIComponent(name)}`,
  };
}

/** A file object as events and messages carry it (`files[]`). */
export function slackFile(ctx: ShapeContext, file: WorkspaceFile): Record<string, unknown> {
  const user = file.user ?? 'UUPLOADER';
  return {
    id: file.id,
    created: CREATED,
    timestamp: CREATED,
    name: file.name,
    title: file.title,
    mimetype: file.mimetype,
    filetype: file.filetype,
    pretty_type: prettyType(file.filetype),
    user,
    user_team: ctx.identity.teamId,
    editable: false,
    size: file.size,
    mode: 'hosted',
    is_external: false,
    external_type: '',
    is_public: false,
    public_url_shared: false,
    display_as_bot: false,
    username: '',
    ...fileUrls(ctx, file.id, file.name),
    permalink: `https://${ctx.identity.teamDomain}.slack.com/files/${user}/${file.id}/${encodeURIComponent(file.name)}`,
    file_access: 'visible',
  };
}

/** Slack's mimetype and filetype for a file name, by its extension. */
export function fileTypes(name: string): { mimetype: string; filetype: string } {
  const ext = /\.([\w]+)$/.exec(name)?.[1]?.toLowerCase() ?? '';
  const known: Record<string, { mimetype: string; filetype: string }> = {
    md: { mimetype: 'text/markdown', filetype: 'markdown' },
    txt: { mimetype: 'text/plain', filetype: 'text' },
    csv: { mimetype: 'text/csv', filetype: 'csv' },
    json: { mimetype: 'application/json', filetype: 'json' },
    html: { mimetype: 'text/html', filetype: 'html' },
    pdf: { mimetype: 'application/pdf', filetype: 'pdf' },
    png: { mimetype: 'image/png', filetype: 'png' },
    jpg: { mimetype: 'image/jpeg', filetype: 'jpg' },
    jpeg: { mimetype: 'image/jpeg', filetype: 'jpg' },
    gif: { mimetype: 'image/gif', filetype: 'gif' },
    svg: { mimetype: 'image/svg+xml', filetype: 'svg' },
  };
  return known[ext] ?? { mimetype: 'application/octet-stream', filetype: ext || 'binary' };
}

function prettyType(filetype: string): string {
  const names: Record<string, string> = { text: 'Plain Text', markdown: 'Markdown (raw)', csv: 'CSV' };
  return names[filetype] ?? filetype.toUpperCase();
}

/** users.info's user: as stored (seeded people, the bot), else a plain member; `override` on top. */
export function userProfile(
  identity: SlackApiIdentity,
  userId: string,
  stored: WorkspaceUser | undefined,
  override: StandInUser = {},
): Record<string, unknown> {
  const isBot = override.isBot ?? stored?.isBot ?? userId === identity.botUserId;
  const name = stored?.name ?? (isBot ? identity.botName : `user-${userId.toLowerCase()}`);
  const realName = stored?.realName ?? (isBot ? 'Pipewright' : `Test User ${userId}`);
  return {
    id: userId,
    team_id: override.teamId ?? stored?.teamId ?? identity.teamId,
    name,
    real_name: realName,
    deleted: false,
    is_bot: isBot,
    is_admin: false,
    is_restricted: override.isRestricted ?? false,
    is_ultra_restricted: override.isUltraRestricted ?? false,
    tz: 'Europe/London',
    tz_label: 'Greenwich Mean Time',
    tz_offset: 0,
    profile: {
      real_name: realName,
      display_name: name,
      ...(isBot ? { bot_id: identity.botId } : { email: `${name}@example.com` }),
      image_48: `https://example.com/avatars/${userId}.png`,
    },
  };
}

/** conversations.info's channel: the flags Slack sets for a public or private channel, a DM or a group DM. */
export function channelInfo(
  identity: SlackApiIdentity,
  channelId: string,
  stored: WorkspaceChannel | undefined,
  override: StandInChannel = {},
): Record<string, unknown> {
  const isIm = override.isIm ?? stored?.isIm ?? channelId.startsWith('D');
  const isMpim = override.isMpim ?? false;
  const isPrivate = override.isPrivate ?? stored?.isPrivate ?? (isIm || isMpim || channelId.startsWith('G'));
  const isExtShared = override.isExtShared ?? false;
  return {
    id: channelId,
    ...(isIm
      ? { user: stored?.dmWith ?? 'UDMPARTNER' }
      : { name: stored?.name ?? `channel-${channelId.toLowerCase()}` }),
    is_channel: !isIm && !isMpim && !isPrivate,
    is_group: isPrivate && !isIm && !isMpim,
    is_im: isIm,
    is_mpim: isMpim,
    is_private: isPrivate,
    is_archived: false,
    is_general: false,
    is_shared: isExtShared,
    is_ext_shared: isExtShared,
    is_org_shared: false,
    context_team_id: identity.teamId,
    created: CREATED,
  };
}

/** A view as views.* answer with it: what the bot sent, plus the ids and defaults Slack fills in. */
export function slackView(identity: SlackApiIdentity, stored: StoredView): Record<string, unknown> {
  return {
    private_metadata: '',
    callback_id: '',
    external_id: '',
    clear_on_close: false,
    notify_on_close: false,
    ...stored.view,
    id: stored.id,
    team_id: identity.teamId,
    type: stored.kind,
    state: { values: {} },
    hash: stored.hash,
    previous_view_id: stored.previousViewId ?? null,
    root_view_id: stored.rootViewId,
    app_id: 'A0PIPEWRIGHT',
    app_installed_team_id: identity.teamId,
    bot_id: identity.botId,
  };
}
