import { assertNever } from '../domain/assert-never.js';
import { parseThreadCommand } from '../domain/commands.js';
import type { MessageEvent, OrchestratorEvent } from '../domain/events.js';
import { messageKeys } from '../domain/ids.js';
import type { Project } from '../domain/project.js';
import { say } from '../domain/texts.js';
import { onGateTimer } from './machine/approvals.js';
import { onBudgetDecision, onBudgetExceeded } from './machine/budget.js';
import { onClarifyDone, onClarifyFailed } from './machine/clarify.js';
import { onThreadMessage } from './machine/commands.js';
import { onForgetDecision } from './machine/forget.js';
import { onGateDecision } from './machine/gates.js';
import { openProject } from './machine/open.js';
import { onPlanDone, onPlanFailed } from './machine/plan.js';
import { onSessionStopped } from './machine/session.js';
import type { MachineContext, MachineSettings, Transition } from './machine/settings.js';
import { onStageDone, onStageFailed, onStageStarted } from './machine/stages.js';
import { Step } from './machine/step.js';
import { onFilesPublished, onSummary, onSummaryFailed } from './machine/summary.js';

export { fallbackSummary } from '../domain/fallback-summary.js';
export {
  DEFAULT_MAX_OPEN_PROJECTS_PER_USER,
  DEFAULT_PROJECT_BUDGET_USD,
  DEFAULT_WORKSPACE_DAILY_BUDGET_USD,
  type MachineContext,
  type MachineSettings,
  type Transition,
} from './machine/settings.js';
export { statusView } from './machine/status.js';

/**
 * The project manager's decisions, as one pure function: (project, event) → (project, effects).
 * No I/O here; `engine.ts` loads, stores and carries out the effects. Each kind of event is handled by the
 * module of its concern under `machine/`.
 */
export function applyEvent(
  current: Project | undefined,
  event: OrchestratorEvent,
  settings: MachineSettings,
  context: MachineContext = {},
): Transition {
  if (event.type === 'message') return onMessage(current, event, settings, context);
  if (!current) return { project: undefined, effects: [] };
  // A forgotten project keeps only its thread's coordinates: nothing more happens to it.
  if (current.phase === 'forgotten') return { project: undefined, effects: [] };
  const s = new Step(structuredClone(current), settings, event.eventId, sourceMessageOf(event));
  switch (event.type) {
    case 'forget_decision':
      onForgetDecision(s, event);
      break;
    case 'gate_decision':
      onGateDecision(s, event);
      break;
    case 'gate_timer':
      onGateTimer(s, event);
      break;
    case 'budget_decision':
      onBudgetDecision(s, event);
      break;
    case 'budget_exceeded':
      onBudgetExceeded(s, event);
      break;
    case 'clarify_done':
      onClarifyDone(s, event.round, event.output, event.usage);
      break;
    case 'clarify_failed':
      onClarifyFailed(s, event.round, event.error);
      break;
    case 'plan_done':
      onPlanDone(s, event.round, event.output, event.usage);
      break;
    case 'plan_failed':
      onPlanFailed(s, event.round, event.error);
      break;
    case 'stage_started':
      onStageStarted(s, event.stageId, event.attempt);
      break;
    case 'stage_done':
      onStageDone(s, event);
      break;
    case 'stage_failed':
      onStageFailed(s, event.stageId, event.attempt, event.error);
      break;
    case 'summary_done':
      onSummary(s, event.round, event.summary, event.usage, event.files);
      break;
    case 'files_published':
      onFilesPublished(s, event.round, event.files);
      break;
    case 'summary_failed':
      onSummaryFailed(s, event.round, event.error);
      break;
    case 'session_stopped':
      onSessionStopped(s, event);
      break;
    default:
      return assertNever(event);
  }
  return s.result();
}

function onMessage(
  current: Project | undefined,
  event: MessageEvent,
  settings: MachineSettings,
  context: MachineContext,
): Transition {
  if (!current) return openProject(event, settings, context);
  if (current.phase === 'forgotten') {
    if (!event.addressed && parseThreadCommand(event.text).kind !== 'status')
      return { project: undefined, effects: [] };
    const s = new Step(structuredClone(current), settings, event.eventId, sourceMessageOf(event));
    s.post(messageKeys.reply('forgotten', event.eventId), {
      type: 'notice',
      tone: 'info',
      text: say.forgotten(),
    });
    return s.result();
  }
  const s = new Step(structuredClone(current), settings, event.eventId, sourceMessageOf(event));
  onThreadMessage(s, event);
  return s.result();
}

/** The message an event came from: the one written, or the one whose button was clicked. */
function sourceMessageOf(event: OrchestratorEvent): string | undefined {
  if (event.type === 'message') return event.ts;
  return 'origin' in event ? event.origin.messageTs : undefined;
}
