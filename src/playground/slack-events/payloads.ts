import { randomBytes } from 'node:crypto';

/**
 * What Slack sends an app, built as Slack builds it: `event_callback` envelopes around events, and
 * `block_actions` payloads for button clicks. The workspace's identity (team, bot user, app) is passed in.
 */

export interface AppIdentity {
  /** The workspace that installed the app. */
  teamId: string;
  botUserId: string;
  apiAppId: string;
}

/**
 * An `event_callback` envelope around `event`, with a fresh event_id unless one is given. `teamId` is the
 * envelope's `team_id`; in a shared (Slack Connect) channel it can name the other organisation, while
 * `authorizations[0].team_id` names the workspace that installed the app and `context_team_id` the team
 * the event was seen in.
 */
export function eventEnvelope(
  app: AppIdentity,
  event: Record<string, unknown>,
  opts: { teamId?: string; eventId?: string; contextTeamId?: string; isExtSharedChannel?: boolean } = {},
): object {
  const teamId = opts.teamId ?? app.teamId;
  return {
    token: 'legacy-verification-token',
    team_id: teamId,
    context_team_id: opts.contextTeamId ?? teamId,
    context_enterprise_id: null,
    api_app_id: app.apiAppId,
    event,
    type: 'event_callback',
    event_id: opts.eventId ?? `Ev${randomId(10)}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [
      {
        enterprise_id: null,
        team_id: app.teamId,
        user_id: app.botUserId,
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: opts.isExtSharedChannel ?? false,
    event_context: `4-${randomId(24)}`,
  };
}

/** Who acted, as Slack describes them in interaction payloads. */
function actingUser(
  input: { userId: string; userName?: string | undefined; userTeamId?: string | undefined },
  teamId: string,
): Record<string, string> {
  const userName = input.userName ?? `user-${input.userId.toLowerCase()}`;
  return { id: input.userId, username: userName, name: userName, team_id: input.userTeamId ?? teamId };
}

/** The clicked button, as `actions[0]` of a `block_actions` payload. */
function buttonAction(
  input: { actionId: string; blockId?: string | undefined; value: string; label?: string | undefined },
  defaultLabel: string,
): Record<string, unknown> {
  return {
    type: 'button',
    action_id: input.actionId,
    block_id: input.blockId ?? 'b1',
    value: input.value,
    text: { type: 'plain_text', text: input.label ?? defaultLabel, emoji: true },
    action_ts: `${(Date.now() / 1000).toFixed(6)}`,
  };
}

export interface BlockActionInput {
  userId: string;
  channelId: string;
  channelName?: string;
  messageTs: string;
  threadTs?: string;
  actionId: string;
  value: string;
  blockId?: string;
  /** The button's label, as the payload repeats it. */
  label?: string;
  /** The team the click came through; default: the installing workspace. */
  teamId?: string;
  /** The clicker's own team (`user.team_id`); another organisation's in a shared channel. Default: `teamId`. */
  userTeamId?: string;
  userName?: string;
  /** Where the app may answer the click (`response_url`). */
  responseUrl: string;
  /** The clicked message as Slack repeats it. */
  message?: { text?: string; blocks?: unknown[]; user?: string };
  isEphemeral?: boolean;
  /** The click's trigger id, for views.open; the playground gets one its Slack stand-in will accept. */
  triggerId?: string;
}

/** A `block_actions` payload for a button click on a bot message. */
export function blockActionPayload(app: AppIdentity, input: BlockActionInput): object {
  const teamId = input.teamId ?? app.teamId;
  const message: Record<string, unknown> = {
    type: 'message',
    user: input.message?.user ?? app.botUserId,
    ts: input.messageTs,
    text: input.message?.text ?? 'Pipewright message',
    blocks: input.message?.blocks ?? [],
  };
  if (input.threadTs !== undefined) message.thread_ts = input.threadTs;
  return {
    type: 'block_actions',
    user: actingUser(input, teamId),
    api_app_id: app.apiAppId,
    token: 'legacy-verification-token',
    container: {
      type: 'message',
      message_ts: input.messageTs,
      channel_id: input.channelId,
      is_ephemeral: input.isEphemeral ?? false,
    },
    trigger_id: input.triggerId ?? triggerId(),
    team: { id: teamId, domain: 'playground' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: input.channelId, name: input.channelName ?? 'pipewright-test' },
    message,
    state: { values: {} },
    response_url: input.responseUrl,
    actions: [buttonAction(input, 'Approve')],
  };
}

export interface ViewSubmissionInput {
  userId: string;
  /** The team the submission came through; default: the installing workspace. */
  teamId?: string;
  /** The clicker's own team (`user.team_id`); default: `teamId`. */
  userTeamId?: string;
  /** The open modal as views.open answered it (`response.view`): id, callback_id, private_metadata, blocks… */
  view: Record<string, unknown>;
  /** What the person entered: block_id → action_id → the element's state (`{ type, value }` for text). */
  values: Record<string, Record<string, Record<string, unknown>>>;
  /** A trigger id for what the app may open next; the playground gets one its Slack stand-in accepts. */
  triggerId?: string;
}

/**
 * A `view_submission` payload: the person pressed the modal's submit button. Slack sends the whole view
 * back (its id, callback_id and private_metadata as opened) with what was entered in `view.state.values`.
 */
export function viewSubmissionPayload(app: AppIdentity, input: ViewSubmissionInput): object {
  const teamId = input.teamId ?? app.teamId;
  return {
    type: 'view_submission',
    team: { id: teamId, domain: 'playground' },
    user: actingUser(input, teamId),
    api_app_id: app.apiAppId,
    token: 'legacy-verification-token',
    trigger_id: input.triggerId ?? triggerId(),
    view: { ...input.view, state: { values: input.values } },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

/** A trigger id shaped like Slack's (`views.open` needs one from a recent interaction). */
export function triggerId(): string {
  return `${Date.now()}.${randomDigits(12)}.${randomId(32).toLowerCase()}`;
}

export function randomId(length: number): string {
  return randomBytes(length)
    .toString('base64url')
    .replace(/[^A-Za-z0-9]/g, '0')
    .slice(0, length)
    .toUpperCase();
}

function randomDigits(length: number): string {
  return Array.from(randomBytes(length), (byte) => String(byte % 10)).join('');
}

export interface SlackPerson {
  id: string;
  name: string;
  teamId: string;
}

/** `app_home_opened`: the person opened the app's Home or Messages tab (`view` is the published Home view). */
export function appHomeOpenedEvent(input: {
  user: string;
  dmChannel: string;
  tab: 'home' | 'messages';
  view?: Record<string, unknown>;
}): Record<string, unknown> {
  const ts = (Date.now() / 1000).toFixed(6);
  return {
    type: 'app_home_opened',
    user: input.user,
    channel: input.dmChannel,
    tab: input.tab,
    event_ts: ts,
    ...(input.view ? { view: input.view } : {}),
  };
}

/** Slack's Stop button on an agent session: the person stopped the thread's session. */
export function agentSessionStoppedEvent(input: {
  user: string;
  channel: string;
  threadTs: string;
}): Record<string, unknown> {
  return {
    type: 'agent_session_stopped',
    channel: input.channel,
    thread_ts: input.threadTs,
    user: input.user,
    streaming_message_ts: [],
    event_ts: (Date.now() / 1000).toFixed(6),
  };
}

export interface ViewActionInput {
  userId: string;
  /** The view the button is on (App Home's, as views.publish answered it). */
  view: {
    id: string;
    type?: 'home' | 'modal';
    blocks?: unknown[];
    private_metadata?: string;
    callback_id?: string;
    hash?: string;
  };
  actionId: string;
  value: string;
  blockId?: string;
  label?: string;
  teamId?: string;
  userTeamId?: string;
  userName?: string;
  triggerId?: string;
}

/**
 * A `block_actions` payload for a button on a view (App Home, a modal): the container is the view, the
 * payload repeats the view, and there is no channel, message or response_url (Slack sends none for Home).
 */
export function viewBlockActionPayload(app: AppIdentity, input: ViewActionInput): object {
  const teamId = input.teamId ?? app.teamId;
  return {
    type: 'block_actions',
    user: actingUser(input, teamId),
    api_app_id: app.apiAppId,
    token: 'legacy-verification-token',
    container: { type: 'view', view_id: input.view.id },
    trigger_id: input.triggerId ?? triggerId(),
    team: { id: teamId, domain: 'playground' },
    enterprise: null,
    is_enterprise_install: false,
    view: {
      id: input.view.id,
      team_id: teamId,
      type: input.view.type ?? 'home',
      blocks: input.view.blocks ?? [],
      private_metadata: input.view.private_metadata ?? '',
      callback_id: input.view.callback_id ?? '',
      state: { values: {} },
      hash: input.view.hash ?? `${Math.floor(Date.now() / 1000)}.${randomId(8)}`,
      title: { type: 'plain_text', text: 'Home', emoji: true },
      clear_on_close: false,
      notify_on_close: false,
      close: null,
      submit: null,
      previous_view_id: null,
      root_view_id: input.view.id,
      app_id: app.apiAppId,
      external_id: '',
      app_installed_team_id: app.teamId,
      bot_id: 'B0PIPEWRIGHT',
    },
    actions: [buttonAction(input, 'Status')],
  };
}

/** A slash command as Slack posts it: form fields, answered through `response_url`. */
export function slashCommandBody(
  app: AppIdentity,
  input: {
    person: SlackPerson;
    command: string;
    text: string;
    channelId: string;
    channelName: string;
    responseUrl: string;
    triggerId: string;
  },
): string {
  return new URLSearchParams({
    token: 'legacy-verification-token',
    team_id: app.teamId,
    team_domain: 'playground',
    channel_id: input.channelId,
    channel_name: input.channelName,
    user_id: input.person.id,
    user_name: input.person.name,
    command: input.command,
    text: input.text,
    api_app_id: app.apiAppId,
    is_enterprise_install: 'false',
    response_url: input.responseUrl,
    trigger_id: input.triggerId,
  }).toString();
}
