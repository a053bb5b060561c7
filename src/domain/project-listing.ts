import { approversOf } from './authority.js';
import { isActive } from './phases.js';
import type { Project } from './project.js';

/**
 * How one person's projects are listed (App Home, `/pipewright list` and `status`): what each is waiting
 * for, where it stands, and in which order. Pure: the listing is decided here and drawn by the bot.
 */

/** `waiting`: on this person (a gate they may decide, questions they were asked, a budget they may raise). */
export type ListingGroup = 'waiting' | 'active' | 'recent';

export const LISTING_GROUPS: readonly ListingGroup[] = ['waiting', 'active', 'recent'];

export interface ListedProject {
  project: Project;
  group: ListingGroup;
  /** What the person is asked for, when the project waits on them. */
  waitingFor?: string;
}

/** Who may see a project outside its thread: its requester and whoever may decide its gates. */
export function viewersOf(project: Pick<Project, 'requesterId'>, approverIds: readonly string[]): string[] {
  return [...new Set([project.requesterId, ...approverIds])];
}

/** What `userId` is asked for on `project`, if anything. */
export function waitingOn(
  project: Project,
  userId: string,
  approverIds: readonly string[],
): string | undefined {
  if (!isActive(project.phase)) return undefined;
  const approvers = approversOf(project, approverIds);
  const gates = Object.entries(project.stages)
    .filter(([, run]) => run.state === 'awaiting_approval')
    .map(([stageId]) => stageId);
  if (gates.length > 0 && approvers.includes(userId))
    return `your approval of ${gates.map((g) => `\`${g}\``).join(', ')}`;
  const isRequester = project.requesterId === userId;
  if (project.budgetHold && (isRequester || approverIds.includes(userId))) return 'a budget decision';
  const c = project.clarification;
  const asked = project.phase === 'clarifying' && !c.inFlight && (c.last?.questions.length ?? 0) > 0;
  if (asked && isRequester) return 'your answers to its questions';
  return undefined;
}

/** Stages finished (done or skipped) of all the plan's stages; 0/0 before there is a plan. */
export function progressOf(project: Project): { done: number; total: number } {
  const stages = project.plan?.stages ?? [];
  const done = stages.filter((s) => {
    const state = project.stages[s.id]?.state;
    return state === 'done' || state === 'skipped';
  }).length;
  return { done, total: stages.length };
}

/** A project's name in a list: the objective once clarified, else the first line of the request. */
export function titleOf(project: Pick<Project, 'request' | 'requirements'>, max = 80): string {
  const raw = project.requirements?.objective ?? project.request.split('\n')[0] ?? '';
  const text = raw.trim() || 'Untitled project';
  return text.length > max ? `${text.slice(0, max - 1).trimEnd()}…` : text;
}

/**
 * The person's projects in the order they read them: waiting on them first, then active, then recent;
 * within a group the most recently changed first. Forgotten projects are not listed.
 */
export function listForUser(
  projects: readonly Project[],
  userId: string,
  approverIds: readonly string[],
): ListedProject[] {
  const listed = projects
    .filter((p) => p.phase !== 'forgotten')
    .map((project): ListedProject => {
      const waitingFor = waitingOn(project, userId, approverIds);
      if (waitingFor) return { project, group: 'waiting', waitingFor };
      return { project, group: isActive(project.phase) ? 'active' : 'recent' };
    });
  const rank = (g: ListingGroup) => LISTING_GROUPS.indexOf(g);
  return listed.sort((a, b) => rank(a.group) - rank(b.group) || b.project.updatedAt - a.project.updatedAt);
}

/** Slack's canonical link to a thread (its root message), which Slack redirects to the right workspace. */
export function threadUrl(project: Pick<Project, 'channelId' | 'threadTs'>): string {
  return `https://slack.com/archives/${project.channelId}/p${project.threadTs.replace('.', '')}`;
}
