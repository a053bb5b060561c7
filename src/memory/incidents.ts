import { jobIds, messageKeys, threadOf } from '../domain/ids.js';
import type { View } from '../domain/views.js';
import { OUTBOX_JOB_OPTIONS, type Queues } from './queues.js';

/**
 * Tells a project's thread that a step failed for good, straight through the outbox: the state machine
 * is not involved, since its state may be what is broken. Keyed by the failed job, so it is said once.
 */
export async function reportIncident(
  queues: Queues,
  projectId: string,
  incidentKey: string,
  text: string,
): Promise<boolean> {
  const thread = threadOf(projectId);
  if (!thread) return false;
  const view: View = { type: 'notice', tone: 'error', text };
  const key = messageKeys.incident(incidentKey);
  await queues.outboxFor(projectId).add(
    'thread_message',
    {
      projectId,
      channelId: thread.channelId,
      threadTs: thread.threadTs,
      revision: 0,
      effect: { kind: 'thread_message', key, mode: 'post', view },
    },
    { ...OUTBOX_JOB_OPTIONS, jobId: jobIds.incident(projectId, incidentKey) },
  );
  return true;
}
