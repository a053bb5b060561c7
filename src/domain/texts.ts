import type { RunPhase } from './phases.js';

/**
 * Every sentence the project manager says in a thread or to one person, kept with the views rather than
 * in the state machine: the machine decides what to say, this module says it. User ids appear as
 * `<@U…>` (rendered as mentions); anything a person or a model wrote goes in a notice's `detail` instead,
 * where it is escaped whole.
 */

const code = (id: string) => `\`${id}\``;
const codes = (ids: readonly string[]) => ids.map(code).join(', ');
const usd = (value: number) => `$${value.toFixed(2)}`;

export const HELP_TEXT =
  'In a project thread I understand: `status` and `audit` (who decided what; anyone), `status picture` (the run as a timeline), `help`, and for the requester and approvers `cancel`, `resume`, `retry <stage>`, `forget`, `memory <role>`, and, while I am asking questions, `go` to use the defaults. Mention me with a request in a channel, or write it to me in a direct message, to start a project.';

/** Notices posted in a project's thread. */
export const say = {
  noPictureYet: (phase: RunPhase) =>
    `No picture yet: the run is ${phase} and has no plan; once it has, \`status picture\` draws each stage over time.`,
  clarifyFailed: () =>
    'I could not get usable clarification from the model, so I will go ahead with the defaults shown in the plan; say `cancel` to stop.',
  goTooLate: (phase: RunPhase) => `The run is already ${phase}; \`go\` only skips questions.`,
  nothingToCancel: (phase: RunPhase) => `Nothing to cancel: the run is ${phase}.`,
  cancelled: (by: string, stages: { neverStarted: number; abandoned: number } | undefined) =>
    [
      `Cancelled by <@${by}>.`,
      ...(stages
        ? [`${stages.neverStarted} stage(s) will not start; ${stages.abandoned} running stage(s) abandoned.`]
        : []),
      'Say `resume` to pick up where it stopped.',
    ].join(' '),
  nothingToResume: (phase: RunPhase) => `Nothing to resume: the run is ${phase}.`,
  resumed: (by: string, then?: 'plan' | 'questions') =>
    then === 'plan'
      ? `Resumed by <@${by}>: making the plan.`
      : then === 'questions'
        ? `Resumed by <@${by}>: back to the questions.`
        : `Resumed by <@${by}>.`,
  noSuchStage: (named: string | undefined, known: readonly string[]) =>
    `There is no stage ${named ? code(named) : 'by that name'}. Stages: ${known.length > 0 ? codes(known) : 'none yet'}.`,
  cannotRetry: (stageId: string, state: string) =>
    `${code(stageId)} is ${state.replace('_', ' ')}; only a failed, rejected or cancelled stage can be retried.`,
  retrying: (stageId: string, attempt: number, by: string) =>
    `Retrying ${code(stageId)} (attempt ${attempt}), asked by <@${by}>.`,
  noSuchRole: (named: string | undefined, roles: readonly string[]) =>
    `There is no role ${named ? code(named) : 'by that name'}. Roles: ${codes(roles)}.`,
  rejected: (by: string, stageId: string) =>
    `<@${by}> rejected ${code(stageId)}, so the run has stopped and nothing was deployed. Say \`retry ${stageId}\` to ask for approval again.`,
  /** Followed by the reason, quoted and escaped (a notice's detail). */
  rejectedWithReason: (by: string, stageId: string) =>
    `Rejected by <@${by}>: ${code(stageId)} will not run, so the run has stopped and nothing was deployed. Say \`retry ${stageId}\` to ask for approval again. Their reason:`,
  gateExpired: (stageId: string, waited: string) =>
    `${code(stageId)} was not approved within ${waited}, so its approval request expired and the run has stopped; nothing was deployed. Say \`retry ${stageId}\` to ask for approval again.`,
  budgetStopped: (by: string) =>
    `<@${by}> stopped the run at the budget. Stages already running finish; say \`resume\` to go on (it asks again before spending past the budget).`,
  defaultPlan: (why: string) => `Using the default plan: ${why}.`,
  invalidPlan: () => 'I could not make a valid plan.',
  stageFailedNote: (error: string, stageId: string, goesOn: boolean, skipped: readonly string[]) =>
    `${error}\n${
      goesOn
        ? `The plan goes on without it${skipped.length > 0 ? `; skipped: ${codes(skipped)}` : ''}.`
        : 'The run has stopped here.'
    } Say \`retry ${stageId}\` to try again.`,
  settledStopped: (blocked: readonly string[]) =>
    `The run has stopped: ${codes(blocked)} cannot run until the stages they read have run. Say \`resume\` to run every stage that has not finished.`,
  summaryFailed: () => 'The model could not write the summary; here is one from the stage notes.',
  forgotten: () =>
    "This project was forgotten at its requester's request. Mention me in a new message to start another.",
  forgetDone: (n: {
    deliverables: number;
    history: number;
    insightsDeleted: number;
    insightsUnlinked: number;
    messages: number;
  }) =>
    `Forgotten: ${n.deliverables} deliverable(s), ${n.history} task-history entr${n.history === 1 ? 'y' : 'ies'}, ${n.insightsDeleted} insight(s) and ${n.messages} message(s) between agents that came only from this project are deleted.${
      n.insightsUnlinked > 0
        ? ` ${n.insightsUnlinked} insight(s) other projects also reported were kept, without this project's part.`
        : ''
    } Messages already in this Slack thread stay; delete them in Slack if you need to.`,
} as const;

/** Answers only the person who clicked or wrote sees: nothing else happened. */
export const refusals = {
  budgetQuestionGone: () => 'That budget question is already answered or out of date; nothing changed.',
  forgetQuestionGone: () => 'That button is not a live question of this project; nothing changed.',
  notThisProjectsGate: () => 'That approval request does not belong to this project; nothing changed.',
  gateAlreadyDecided: (stageId: string, verdict: string, by: string) =>
    `${code(stageId)} was already ${verdict} by <@${by}>; nothing changed.`,
  gateNotWaiting: (stageId: string, state: string) =>
    `${code(stageId)} is not waiting for approval (it is ${state.replace('_', ' ')}); nothing changed.`,
  alreadyApproved: (stageId: string, approvals: number, required: number) =>
    `You have already approved ${code(stageId)} (${approvals} of ${required}); it needs another approver. Nothing changed.`,
  gateOutOfDate: (stageId: string) =>
    `That approval request for ${code(stageId)} is out of date: use the latest one in this thread. Nothing changed.`,
  commandOutsideProject: (command: string, openProjects: readonly string[]) =>
    `${code(command)} works inside a project's thread. To start a project, describe what you need, for example "build a churn model for our subscription data and serve it behind an API".${
      openProjects.length > 0 ? ` Your open projects: ${openProjects.join('; ')}. Ask in their threads.` : ''
    }`,
  emptyRequest: () =>
    'Tell me what you need in the same message, for example "@Pipewright build a churn model for our subscription data and serve it behind an API".',
  otherOrganisationCannotOpen: () =>
    'Projects are opened by members of the workspace that runs me; members of other organisations in a shared channel can follow them. Nothing was started.',
  guestCannotOpen: () =>
    'Guests cannot open projects here; ask a member of the workspace. Nothing was started.',
  unverifiedCannotOpen: () =>
    'I could not confirm your account with Slack just now, so I did not start a project. Try again in a minute.',
  tooManyOpen: (count: number, cap: number, openProjects: readonly string[]) =>
    `You already have ${count} open projects, the most one person may have at once (${cap}): ${openProjects.join('; ')}. Finish, \`cancel\` or \`forget\` one of them, then ask again. Nothing was started.`,
} as const;

/** Direct messages: to the deciders when a gate opens, to the requester when someone else decided. */
export const dms = {
  approvalNeeded: (g: {
    stageId: string;
    channelId: string;
    requesterId: string;
    required: number;
    expiresIn: string;
  }) =>
    `Your approval is asked for: ${code(g.stageId)} in <#${g.channelId}>, a project <@${g.requesterId}> asked for. It needs ${g.required} approver${g.required === 1 ? '' : 's'} and expires in ${g.expiresIn}.`,
  decided: (d: { stageId: string; channelId: string; verdict: 'approved' | 'rejected'; by: string }) =>
    d.verdict === 'approved'
      ? `<@${d.by}> approved ${code(d.stageId)} in your project in <#${d.channelId}>: it runs now.`
      : `<@${d.by}> rejected ${code(d.stageId)} in your project in <#${d.channelId}>: the run has stopped and nothing was deployed.`,
} as const;

/** How a refusal names an open project: “build a churn model…” in <#C1> (running). */
export function openProjectLine(p: { channelId: string; request: string; phase: RunPhase }): string {
  const title = p.request.length > 60 ? `${p.request.slice(0, 59)}…` : p.request;
  return `“${title}” in <#${p.channelId}> (${p.phase})`;
}

/** Lines of the decision trail (the report's audit): who decided what. */
export const notes = {
  budgetHold: (callUsd: number, scope: string, spentUsd: number, limitUsd: number) =>
    `paused before a model call of up to ${usd(callUsd)}: ${scope} spent ${usd(spentUsd)} of ${usd(limitUsd)}`,
  budgetStopped: (by: string) => `stopped at the budget by <@${by}>`,
  budgetRaised: (scope: string, limitUsd: number, by: string) =>
    `${scope} budget raised to ${usd(limitUsd)} by <@${by}>`,
  cancelled: (by: string) => `cancelled by <@${by}>`,
  resumed: (by: string, beforePlan: boolean) =>
    beforePlan ? `resumed by <@${by}> before a plan existed` : `resumed by <@${by}>`,
  retry: (stageId: string, attempt: number, by: string) =>
    `retry ${stageId} (attempt ${attempt}) asked by <@${by}>`,
  decided: (verdict: string, by: string) => `${verdict} by <@${by}>`,
  approvalCounted: (by: string, approvals: number, required: number) =>
    `approval ${approvals} of ${required} by <@${by}>`,
  gateExpired: (stageId: string, waited: string) => `${stageId} not approved within ${waited}: expired`,
  rejected: (stageId: string, by: string) => `${stageId} rejected by <@${by}>`,
  stageFailed: (stageId: string) => `${stageId} failed`,
  fallbackModel: (model: string) => `produced by the fallback model ${model}`,
  defaults: () => 'went ahead with stated defaults for what was not answered',
  defaultPlanRationale: (why: string) => `Default four-phase plan: ${why}.`,
  forgotten: (by: string) => `forgotten by <@${by}>`,
} as const;
