import { createHmac, randomBytes } from 'node:crypto';

/**
 * Sends requests to the app the way Slack does: signed with the signing secret, events as JSON and
 * interactivity as a form-encoded `payload`, both at `/slack/events`.
 */

export interface SignedPostOptions {
  /** Sets `x-slack-retry-num` (and `x-slack-retry-reason: http_timeout`), as Slack does on redelivery. */
  retryNum?: number;
  /** Request timestamp in seconds; defaults to now. Use an old one to test replay protection. */
  timestamp?: number;
  /** Sign with the wrong secret, so the app must reject the request. */
  badSignature?: boolean;
}

export interface SignedPostResult {
  status: number;
  body: string;
  /** Time until the app answered: Slack gives up after 3 s. */
  ms: number;
}

const BOT_USER_ID = 'UBOT';
const DEFAULT_TEAM_ID = 'T0001';
const API_APP_ID = 'A0PIPEWRIGHT';

export function signSlackRequest(
  signingSecret: string,
  rawBody: string,
  timestampSeconds = Math.floor(Date.now() / 1000),
): Record<string, string> {
  const digest = createHmac('sha256', signingSecret)
    .update(`v0:${timestampSeconds}:${rawBody}`)
    .digest('hex');
  return {
    'x-slack-request-timestamp': String(timestampSeconds),
    'x-slack-signature': `v0=${digest}`,
  };
}

export function postSignedEvent(
  appUrl: string,
  signingSecret: string,
  envelope: object,
  opts: SignedPostOptions = {},
): Promise<SignedPostResult> {
  return postSigned(appUrl, signingSecret, JSON.stringify(envelope), 'application/json', opts);
}

export function postSignedAction(
  appUrl: string,
  signingSecret: string,
  payload: object,
  opts: SignedPostOptions = {},
): Promise<SignedPostResult> {
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  return postSigned(appUrl, signingSecret, body, 'application/x-www-form-urlencoded', opts);
}

/** Posts `rawBody` signed as given, with any content type: for bodies Slack would never send. */
export function postSignedRaw(
  appUrl: string,
  signingSecret: string,
  rawBody: string,
  contentType: string,
  opts: SignedPostOptions = {},
): Promise<SignedPostResult> {
  return postSigned(appUrl, signingSecret, rawBody, contentType, opts);
}

/** A slash command, form-encoded as Slack posts it (`command` is e.g. "/pipewright"). */
export function postSignedCommand(
  appUrl: string,
  signingSecret: string,
  command: { command: string; text?: string; userId: string; channelId: string; teamId?: string },
  opts: SignedPostOptions = {},
): Promise<SignedPostResult> {
  const teamId = command.teamId ?? DEFAULT_TEAM_ID;
  const body = new URLSearchParams({
    token: 'legacy-verification-token',
    team_id: teamId,
    team_domain: 'test',
    channel_id: command.channelId,
    channel_name: 'pipewright-test',
    user_id: command.userId,
    user_name: `user-${command.userId.toLowerCase()}`,
    command: command.command,
    text: command.text ?? '',
    api_app_id: API_APP_ID,
    is_enterprise_install: 'false',
    response_url: 'https://hooks.slack.com/commands/T/1/x',
    trigger_id: `${Date.now()}.${randomDigits(12)}.${randomId(32).toLowerCase()}`,
  }).toString();
  return postSigned(appUrl, signingSecret, body, 'application/x-www-form-urlencoded', opts);
}

async function postSigned(
  appUrl: string,
  signingSecret: string,
  rawBody: string,
  contentType: string,
  opts: SignedPostOptions,
): Promise<SignedPostResult> {
  const secret = opts.badSignature ? `${signingSecret}-but-wrong` : signingSecret;
  const headers: Record<string, string> = {
    'content-type': contentType,
    ...signSlackRequest(secret, rawBody, opts.timestamp),
  };
  if (opts.retryNum !== undefined) {
    headers['x-slack-retry-num'] = String(opts.retryNum);
    headers['x-slack-retry-reason'] = 'http_timeout';
  }
  const started = performance.now();
  const response = await fetch(`${appUrl.replace(/\/$/, '')}/slack/events`, {
    method: 'POST',
    headers,
    body: rawBody,
  });
  const body = await response.text();
  return { status: response.status, body, ms: Math.round(performance.now() - started) };
}

/**
 * A realistic `event_callback` envelope around `event`, with a fresh event_id unless one is given.
 * `teamId` is the envelope's `team_id`; in a shared (Slack Connect) channel it can name the other
 * organisation, while `authorizations[0].team_id` names the workspace that installed the app
 * (`installedTeamId`, default: `teamId`) and `context_team_id` the team the event was seen in.
 */
export function eventEnvelope(
  event: Record<string, unknown>,
  opts: {
    teamId?: string;
    eventId?: string;
    installedTeamId?: string;
    contextTeamId?: string;
    isExtSharedChannel?: boolean;
  } = {},
): object {
  const teamId = opts.teamId ?? DEFAULT_TEAM_ID;
  return {
    token: 'legacy-verification-token',
    team_id: teamId,
    context_team_id: opts.contextTeamId ?? teamId,
    context_enterprise_id: null,
    api_app_id: API_APP_ID,
    event,
    type: 'event_callback',
    event_id: opts.eventId ?? `Ev${randomId(10)}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [
      {
        enterprise_id: null,
        team_id: opts.installedTeamId ?? teamId,
        user_id: BOT_USER_ID,
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: opts.isExtSharedChannel ?? false,
    event_context: `4-${randomId(24)}`,
  };
}

export interface BlockActionOptions {
  userId: string;
  channelId: string;
  messageTs: string;
  threadTs?: string;
  actionId: string;
  value: string;
  teamId?: string;
  /** The clicker's own team (`user.team_id`); another organisation's in a shared channel. Default: `teamId`. */
  userTeamId?: string;
  /** Where the app may answer the click (`response_url`); point it at the Slack stand-in's `responseUrl()`. */
  responseUrl?: string;
  blocks?: unknown[];
}

/** A realistic `block_actions` payload for a button click on a bot message. */
export function blockActionPayload(opts: BlockActionOptions): object {
  const teamId = opts.teamId ?? DEFAULT_TEAM_ID;
  const message: Record<string, unknown> = {
    type: 'message',
    user: BOT_USER_ID,
    ts: opts.messageTs,
    text: 'Pipewright message',
    blocks: opts.blocks ?? [],
  };
  if (opts.threadTs !== undefined) message.thread_ts = opts.threadTs;
  return {
    type: 'block_actions',
    user: {
      id: opts.userId,
      username: `user-${opts.userId.toLowerCase()}`,
      name: `user-${opts.userId.toLowerCase()}`,
      team_id: opts.userTeamId ?? teamId,
    },
    api_app_id: API_APP_ID,
    token: 'legacy-verification-token',
    container: {
      type: 'message',
      message_ts: opts.messageTs,
      channel_id: opts.channelId,
      is_ephemeral: false,
    },
    trigger_id: `${Date.now()}.${randomDigits(12)}.${randomId(32).toLowerCase()}`,
    team: { id: teamId, domain: 'test' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: opts.channelId, name: 'pipewright-test' },
    message,
    state: { values: {} },
    response_url: opts.responseUrl ?? 'https://hooks.slack.com/actions/T/1/x',
    actions: [
      {
        type: 'button',
        action_id: opts.actionId,
        block_id: 'b1',
        value: opts.value,
        text: { type: 'plain_text', text: 'Approve', emoji: true },
        action_ts: `${(Date.now() / 1000).toFixed(6)}`,
      },
    ],
  };
}

function randomId(length: number): string {
  return randomBytes(length)
    .toString('base64url')
    .replace(/[^A-Za-z0-9]/g, '0')
    .slice(0, length)
    .toUpperCase();
}

function randomDigits(length: number): string {
  return Array.from(randomBytes(length), (byte) => String(byte % 10)).join('');
}
