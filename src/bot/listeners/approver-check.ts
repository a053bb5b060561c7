import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { parseThreadCommand, type ThreadCommand } from '../../domain/commands.js';
import type { ApproverGroupDirectory } from '../approver-group.js';

/** What the clicker reads when APPROVER_GROUP could not be read: nothing happened, and what to do. */
export const APPROVER_GROUP_UNAVAILABLE_TEXT =
  'I could not check the approver group with Slack just now, so I did not act on your click. Nothing changed: try again in a minute.';

/** The approvers configured for gates, as the gate-click listener needs them. */
export interface ApproverSettings {
  approverIds: readonly string[];
  /** APPROVER_GROUP: undefined when none is configured. */
  groupId: string | undefined;
  directory: ApproverGroupDirectory;
}

/**
 * The fact a gate decision needs from Slack beyond the clicker: whether they are in APPROVER_GROUP.
 * Asked only when a group is configured and the clicker is not an approver by id already; `unavailable`
 * when Slack could not be asked (the click is then refused, never guessed at).
 */
export async function approverGroupFact(
  approvers: ApproverSettings | undefined,
  client: WebClient,
  teamId: string,
  userId: string,
): Promise<{ inApproverGroup?: boolean } | 'unavailable'> {
  if (!approvers?.groupId || approvers.approverIds.includes(userId)) return {};
  try {
    return {
      inApproverGroup: await approvers.directory.isMember(client, teamId, approvers.groupId, userId),
    };
  } catch {
    return 'unavailable';
  }
}

/** Thread commands that only the requester and approvers may give: the ones worth asking Slack about. */
const CONTROL_COMMANDS: ReadonlySet<ThreadCommand['kind']> = new Set([
  'cancel',
  'go',
  'resume',
  'retry',
  'forget',
  'memory',
]);

/**
 * The APPROVER_GROUP fact for a message in a project thread: asked only when the text is a control (so
 * chatter costs no Slack call). When Slack cannot be asked the fact stays unknown, and the orchestrator
 * treats the writer as not in the group: a refusal saying who may, never a control granted by guess.
 */
export async function controlFacts(
  approvers: ApproverSettings | undefined,
  client: WebClient,
  teamId: string,
  userId: string,
  text: string,
  log: Logger,
): Promise<{ inApproverGroup?: boolean }> {
  if (!approvers?.groupId || !CONTROL_COMMANDS.has(parseThreadCommand(text).kind)) return {};
  const fact = await approverGroupFact(approvers, client, teamId, userId);
  if (fact === 'unavailable') {
    log.warn(
      { teamId, userId },
      'could not read APPROVER_GROUP for a thread command; treating as not a member',
    );
    return {};
  }
  return fact;
}
