import {
  type AppIdentity,
  blockActionPayload as buildBlockAction,
  eventEnvelope as buildEnvelope,
  viewBlockActionPayload as buildViewAction,
  viewSubmissionPayload as buildViewSubmission,
  triggerId,
  type ViewActionInput,
  type ViewSubmissionInput,
} from '../../src/playground/slack-events/payloads.js';
import {
  postSignedRaw,
  type SignedPostOptions,
  type SignedPostResult,
} from '../../src/playground/slack-events/signing.js';

/**
 * Sends requests to the app the way Slack does, with the test workspace's identity (team T0001, bot UBOT).
 * The builders and the signing are the playground's own (src/playground/slack-events), so there is one.
 */

export {
  postSignedAction,
  postSignedEvent,
  postSignedRaw,
  type SignedPostOptions,
  type SignedPostResult,
  signSlackRequest,
} from '../../src/playground/slack-events/signing.js';

const DEFAULT_TEAM_ID = 'T0001';
const TEST_APP: AppIdentity = { teamId: DEFAULT_TEAM_ID, botUserId: 'UBOT', apiAppId: 'A0PIPEWRIGHT' };

/** A slash command, form-encoded as Slack posts it (`command` is e.g. "/pipewright"). */
export function postSignedCommand(
  appUrl: string,
  signingSecret: string,
  command: {
    command: string;
    text?: string;
    userId: string;
    channelId: string;
    teamId?: string;
    /** Where the app answers (`response_url`); point it at the Slack stand-in's `responseUrl()`. */
    responseUrl?: string;
  },
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
    api_app_id: TEST_APP.apiAppId,
    is_enterprise_install: 'false',
    response_url: command.responseUrl ?? 'https://hooks.slack.com/commands/T/1/x',
    trigger_id: triggerId(),
  }).toString();
  return postSignedRaw(appUrl, signingSecret, body, 'application/x-www-form-urlencoded', opts);
}

/**
 * A realistic `event_callback` envelope around `event`. `teamId` is the envelope's `team_id`; in a shared
 * (Slack Connect) channel it can name the other organisation, while `installedTeamId` (default: `teamId`)
 * names the workspace that installed the app.
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
  const { installedTeamId, ...rest } = opts;
  const teamId = opts.teamId ?? DEFAULT_TEAM_ID;
  return buildEnvelope({ ...TEST_APP, teamId: installedTeamId ?? teamId }, event, { ...rest, teamId });
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
  const { blocks, responseUrl, ...rest } = opts;
  return buildBlockAction(TEST_APP, {
    ...rest,
    responseUrl: responseUrl ?? 'https://hooks.slack.com/actions/T/1/x',
    message: { blocks: blocks ?? [] },
  });
}

/** A realistic `view_submission` payload: `user` submitted the modal `view` (as views.open answered it). */
export function viewSubmissionPayload(opts: ViewSubmissionInput): object {
  return buildViewSubmission(TEST_APP, opts);
}

/** A `block_actions` payload for a button on a view (App Home): container `view`, no channel or message. */
export function viewBlockActionPayload(opts: Omit<ViewActionInput, 'teamId'> & { teamId?: string }): object {
  return buildViewAction(TEST_APP, opts);
}
