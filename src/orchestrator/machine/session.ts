import type { OrchestratorEvent } from '../../domain/events.js';
import { cancel } from './commands.js';
import type { Step } from './step.js';

/**
 * Slack's Stop on the thread's agent session: exactly a `cancel` by whoever pressed it, checked with the
 * same authority (the requester and approvers; anyone else is refused and nothing changes).
 */
export function onSessionStopped(
  s: Step,
  event: Extract<OrchestratorEvent, { type: 'session_stopped' }>,
): void {
  if (s.permits(event, 'cancel', event.eventId)) cancel(s, event.userId, event.eventId);
}
