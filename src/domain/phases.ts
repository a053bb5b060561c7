import { assertNever } from './assert-never.js';
import type { AgentJob, AgentJobKind } from './jobs.js';
import type { Project } from './project.js';

/** The phases of a run, in the order a run usually passes them. */
export const RUN_PHASES = [
  'clarifying',
  'planning',
  'running',
  'summarizing',
  'completed',
  'stopped',
  'failed',
  'cancelled',
  /** Its data and the memory only it contributed were deleted on request; only the thread's coordinates remain. */
  'forgotten',
] as const;
export type RunPhase = (typeof RUN_PHASES)[number];

interface PhaseRule {
  /** Work goes on or a person is being asked: the project is open (it counts towards its requester's cap). */
  active: boolean;
  /** `resume` (or `retry` of a stage) can set it going again. */
  resumable: boolean;
  /** Model work still wanted in this phase; a queued job of any other kind is stale and never calls the model. */
  wants: readonly AgentJobKind[];
}

/**
 * Every rule that depends on the phase, in one table. A stopped or failed run lets the stages already
 * running finish (their results are kept); a cancelled or forgotten one wants nothing more.
 */
export const PHASE_RULES: Readonly<Record<RunPhase, PhaseRule>> = {
  clarifying: { active: true, resumable: false, wants: ['clarify'] },
  planning: { active: true, resumable: false, wants: ['plan'] },
  running: { active: true, resumable: false, wants: ['stage'] },
  summarizing: { active: true, resumable: false, wants: ['summary'] },
  completed: { active: false, resumable: false, wants: [] },
  stopped: { active: false, resumable: true, wants: ['stage'] },
  failed: { active: false, resumable: true, wants: ['stage'] },
  cancelled: { active: false, resumable: true, wants: [] },
  forgotten: { active: false, resumable: false, wants: [] },
};

export const isActive = (phase: RunPhase): boolean => PHASE_RULES[phase].active;
export const isResumable = (phase: RunPhase): boolean => PHASE_RULES[phase].resumable;

/**
 * Why a piece of model work is no longer wanted, or undefined when it still is: its phase is over, or a
 * later round or attempt replaced it. The agents worker drops a stale job unrun; the state machine ignores
 * what a stale job reports.
 */
export function staleReason(project: Project, job: AgentJob): string | undefined {
  if (!PHASE_RULES[project.phase].wants.includes(job.kind)) return `project is ${project.phase}`;
  switch (job.kind) {
    case 'clarify':
      return project.clarification.round === job.round && project.clarification.inFlight
        ? undefined
        : `clarification round ${job.round} is over`;
    case 'plan':
      return project.planRound === job.round ? undefined : `plan round ${job.round} is over`;
    case 'summary':
      return project.summaryRound === job.round ? undefined : `summary round ${job.round} is over`;
    case 'stage': {
      const run = project.stages[job.stageId];
      if (!run || run.attempt !== job.attempt)
        return `stage ${job.stageId} attempt ${job.attempt} was superseded`;
      return run.state === 'queued' || run.state === 'running'
        ? undefined
        : `stage ${job.stageId} is ${run.state}`;
    }
    default:
      return assertNever(job);
  }
}

/**
 * The lifecycle statuses of a Slack agent session (`agents.sessions.setStatus`, `chat.stopStream`'s
 * `session_status`): `processing` shows Slack's Stop button, `suspended` waits for a person, `closed` is over.
 * `active` (idle, ready for input) is Slack's default after a stream stops; Pipewright never sets it.
 */
export const SESSION_STATUSES = ['active', 'processing', 'suspended', 'closed'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

/**
 * What a project thread's agent session says, from the project alone: `processing` while model work runs
 * (or is about to) for it, `suspended` while it waits only for a person (answers to its questions, a gate,
 * a budget decision), `closed` once the run is over (a finished, cancelled, stopped or failed run;
 * `resume` or `retry` makes it processing again).
 */
export function sessionStatus(project: Project): SessionStatus {
  if (!PHASE_RULES[project.phase].active) return 'closed';
  const stageWorking = Object.values(project.stages).some(
    (run) => run.state === 'queued' || run.state === 'running',
  );
  if (stageWorking) return 'processing';
  if (project.budgetHold) return 'suspended';
  switch (project.phase) {
    case 'clarifying':
      return project.clarification.inFlight ? 'processing' : 'suspended';
    case 'running':
      return Object.values(project.stages).some((run) => run.state === 'awaiting_approval')
        ? 'suspended'
        : 'processing';
    case 'planning':
    case 'summarizing':
      return 'processing';
    default:
      return 'closed';
  }
}
