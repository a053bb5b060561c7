import type { App } from '@slack/bolt';
import { z } from 'zod';
import { eventIds, projectIdFor } from '../../domain/ids.js';
import type { ProjectStore } from '../../memory/project-store.js';
import { controlFacts } from './approver-check.js';
import { deliverEvent, type ListenerDeps } from './deliver-event.js';
import { envelopeSchema, installingTeamOf } from './slack-payloads.js';

/**
 * `agent_session_stopped` (docs.slack.dev/reference/events/agent_session_stopped): someone pressed Slack's
 * native Stop on a thread's agent session. `streaming_message_ts` lists the streams Slack stopped itself
 * (empty when none was streaming); the session's status does not change by itself.
 */
export const sessionStoppedSchema = z.object({
  type: z.literal('agent_session_stopped'),
  channel: z.string().min(1),
  thread_ts: z.string().min(1),
  user: z.string().min(1),
  streaming_message_ts: z.array(z.string()).default([]),
  event_ts: z.string().optional(),
});

/**
 * Slack's Stop on a project thread is a `cancel` by whoever pressed it: the orchestrator checks their
 * authority (requester and approvers; anyone else is refused ephemerally) and cancels the run, which
 * aborts its model calls, says so in the thread and closes the session. Stop in a thread we do not run is
 * ignored.
 */
export function registerAgentSessionListeners(
  app: App,
  deps: ListenerDeps & { projects: ProjectStore },
): void {
  app.event('agent_session_stopped', async ({ event, body, client }) => {
    const envelope = envelopeSchema.safeParse(body);
    const stopped = sessionStoppedSchema.safeParse(event);
    if (!envelope.success || !stopped.success) {
      deps.logger.warn(
        { issues: (envelope.error ?? stopped.error)?.issues },
        'ignoring malformed agent_session_stopped',
      );
      return;
    }
    const e = stopped.data;
    const teamId = installingTeamOf(envelope.data);
    const projectId = projectIdFor(teamId, e.channel, e.thread_ts);
    if (!(await deps.projects.exists(projectId))) return;
    const [who, groupFact] = await Promise.all([
      deps.directory.user(client, teamId, e.user),
      // Stop is a cancel: ask Slack about APPROVER_GROUP as for a typed `cancel`.
      controlFacts(deps.approvers, client, teamId, e.user, 'cancel', deps.logger),
    ]);
    await deliverEvent(
      deps,
      {
        type: 'session_stopped',
        eventId: eventIds.slack(envelope.data.event_id),
        projectId,
        userId: e.user,
        ...(who?.teamId ? { userTeamId: who.teamId } : {}),
        userKind: who?.kind ?? 'unknown',
        ...groupFact,
      },
      envelope.data.event_id,
    );
  });
}
