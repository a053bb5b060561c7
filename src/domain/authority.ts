import type { Project } from './project.js';

/**
 * Who may do what to a project (DESIGN.md, "Who may do what"), decided in code from facts Slack gave
 * the listener: never by a model, never by the words of a message. Pure: the state machine asks, and a
 * refusal comes back as the sentence the person sees.
 */

/** Who wrote the message or clicked the button. */
export interface Actor {
  userId: string;
  /** The user's own workspace; undefined means the project's workspace. */
  userTeamId?: string | undefined;
  /** Undefined means a member of the workspace. */
  userKind?: 'member' | 'guest' | 'unknown' | undefined;
  /** Whether Slack listed them in APPROVER_GROUP when they acted (looked up at the edge). */
  inApproverGroup?: boolean | undefined;
}

/** What a control is called in a refusal ("… can `cancel` this run"). */
export type Control =
  | 'cancel'
  | 'retry'
  | 'resume'
  | 'go'
  | 'forget'
  | 'raise the budget'
  | 'stop the run'
  | 'read agent memory';

export type Permission = { allowed: true } | { allowed: false; refusal: string };

const ALLOWED: Permission = { allowed: true };

/**
 * The people named as gate deciders: the configured approvers, or the requester when no approver is
 * configured at all (neither ids nor a group; with only a group, nobody is named by id).
 */
export function approversOf(
  project: Pick<Project, 'requesterId'>,
  approverIds: readonly string[],
  groupId?: string | undefined,
): string[] {
  return approverIds.length > 0 || groupId !== undefined ? [...approverIds] : [project.requesterId];
}

/**
 * Members of another organisation (a Slack Connect channel), guests, and people Slack could not vouch
 * for in time never control a run, whatever their user id: ids are unique per organisation only.
 */
function outsider(project: Pick<Project, 'teamId'>, actor: Actor, what: string): Permission | undefined {
  if (actor.userTeamId !== undefined && actor.userTeamId !== project.teamId) {
    return {
      allowed: false,
      refusal: `This project belongs to another workspace: members of other organisations in a shared channel can follow it and ask for \`status\`, but cannot ${what}. Nothing changed.`,
    };
  }
  if (actor.userKind === 'guest') {
    return {
      allowed: false,
      refusal: `Guests can follow this project and ask for \`status\`, but cannot ${what}. Nothing changed.`,
    };
  }
  if (actor.userKind === 'unknown') {
    return {
      allowed: false,
      refusal:
        'I could not confirm your account with Slack just now, so I did not act on it. Nothing changed: try again in a minute.',
    };
  }
  return undefined;
}

const mention = (ids: readonly string[]) => ids.map((id) => `<@${id}>`).join(', ');

/** Controls of a run (`cancel`, `retry`, `resume`, `go`, `forget`, budget buttons, `memory`): the requester and approvers. */
export function mayControl(
  project: Pick<Project, 'teamId' | 'requesterId'>,
  actor: Actor,
  approverIds: readonly string[],
  control: Control,
  groupId?: string | undefined,
): Permission {
  const what = `${control === 'read agent memory' ? control : `\`${control}\``}`;
  const barred = outsider(project, actor, what);
  if (barred) return barred;
  if (actor.userId === project.requesterId || approverIds.includes(actor.userId)) return ALLOWED;
  // Members of APPROVER_GROUP are approvers too (DESIGN, "Who may do what").
  if (groupId !== undefined && actor.inApproverGroup === true) return ALLOWED;
  const approvers = approverIds.length > 0 ? ` or an approver (${mention(approverIds)})` : '';
  return {
    allowed: false,
    refusal: `Only <@${project.requesterId}>, who asked for this project,${approvers} can ${control === 'read agent memory' ? 'read agent memory here' : `${what} this run`}. Nothing changed.`,
  };
}

/** Who may decide gates beyond `APPROVER_IDS`, and whether a requester may approve their own. */
export interface ApproverRules {
  /** APPROVER_GROUP: its members may decide. Membership is looked up at the edge and given as `inApproverGroup`. */
  groupId?: string | undefined;
  /** ALLOW_SELF_APPROVAL; default true. */
  allowSelfApproval?: boolean | undefined;
}

/** A clicker on a gate: who, and whether Slack listed them in APPROVER_GROUP when they clicked. */
export interface GateActor extends Actor {
  /** Undefined: not looked up (no group configured, or already an approver by id), which counts as no. */
  inApproverGroup?: boolean | undefined;
}

/** How a refusal or a gate names the deciders: `<@U1>, <@U2> or members of <!subteam^S1>`. */
export function deciderMention(
  project: Pick<Project, 'requesterId'>,
  approverIds: readonly string[],
  groupId: string | undefined,
): string {
  const group = groupId ? `members of <!subteam^${groupId}>` : '';
  return [mention(approversOf(project, approverIds, groupId)), group].filter((p) => p !== '').join(' or ');
}

/**
 * Approve or reject a gate: the approvers (APPROVER_IDS, members of APPROVER_GROUP), or the requester when
 * neither is configured. With self-approval off, the requester may reject but not approve their own gate.
 */
export function mayApprove(
  project: Pick<Project, 'teamId' | 'requesterId'>,
  actor: GateActor,
  approverIds: readonly string[],
  stageId: string,
  rules: ApproverRules = {},
  verdict: 'approve' | 'reject' = 'approve',
): Permission {
  const barred = outsider(project, actor, `approve or reject \`${stageId}\``);
  if (barred) return barred;
  const approver =
    approversOf(project, approverIds, rules.groupId).includes(actor.userId) ||
    (rules.groupId !== undefined && actor.inApproverGroup === true);
  if (!approver) {
    return {
      allowed: false,
      refusal: `Only ${deciderMention(project, approverIds, rules.groupId)} can approve or reject \`${stageId}\`. Nothing changed.`,
    };
  }
  if (verdict === 'approve' && rules.allowSelfApproval === false && actor.userId === project.requesterId) {
    return {
      allowed: false,
      refusal: `You asked for this project, and here a requester may not approve their own deploy (ALLOW_SELF_APPROVAL is off): another approver must approve \`${stageId}\`. You can still reject it. Nothing changed.`,
    };
  }
  return ALLOWED;
}

/** Answers to the project manager's questions come from the requester alone. */
export function isRequester(project: Pick<Project, 'teamId' | 'requesterId'>, actor: Actor): boolean {
  return (
    actor.userId === project.requesterId &&
    (actor.userTeamId === undefined || actor.userTeamId === project.teamId)
  );
}
