import type { Effect } from '../../domain/effects.js';
import type { Project } from '../../domain/project.js';
import type { ForecastSettings } from '../../domain/spending.js';

/** What the state machine is configured with (from the environment, by the app layer). */
export interface MachineSettings {
  approverIds: readonly string[];
  clarifyMaxRounds: number;
  projectConcurrency: number;
  now: number;
  /** What a new project may spend on the model (PROJECT_BUDGET_USD). Default 10. */
  projectBudgetUsd?: number;
  /** What a workspace may spend in a UTC day (WORKSPACE_DAILY_BUDGET_USD); Raise budget adds it again. Default 100. */
  workspaceDailyBudgetUsd?: number;
  /** Prices and prompt sizes the plan's cost forecast is made from; no forecast without them. */
  forecast?: ForecastSettings;
  /** Open projects one person may have at once (MAX_OPEN_PROJECTS_PER_USER). Default 5. */
  maxOpenProjectsPerUser?: number;
  /** Gate rules beyond `approverIds` (APPROVER_GROUP, APPROVALS_REQUIRED, ALLOW_SELF_APPROVAL, GATE_TIMEOUT_HOURS). */
  approvals?: GateSettings;
}

export interface GateSettings {
  /** A Slack user group whose members may decide gates. */
  groupId?: string | undefined;
  /** Distinct approvers a gate needs. Default 1. */
  required?: number;
  /** Whether the requester may approve their own project's gates. Default true. */
  allowSelfApproval?: boolean;
  /** How long a gate round waits before it expires, in ms (reminder at half time). Default 72 hours. */
  gateTimeoutMs?: number;
}

/** What the engine looked up for this event: facts the pure machine cannot read itself. */
export interface MachineContext {
  /** The author's open projects in this workspace, for a message that could open a new one. */
  openProjects?: ReadonlyArray<Pick<Project, 'id' | 'channelId' | 'threadTs' | 'request' | 'phase'>>;
}

export const DEFAULT_PROJECT_BUDGET_USD = 10;
export const DEFAULT_WORKSPACE_DAILY_BUDGET_USD = 100;
export const DEFAULT_MAX_OPEN_PROJECTS_PER_USER = 5;

export interface Transition {
  /** Undefined when the event does not concern any project (a thread we do not run, a refused request). */
  project: Project | undefined;
  effects: Effect[];
}
