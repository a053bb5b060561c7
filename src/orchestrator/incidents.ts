import { OUTBOX_JOB_OPTIONS, type Queues, safeJobId } from '../memory/queues.js';
import type { View } from './views.js';

/**
 * The thread a project lives in, read from its id (`<team>-<channel>-<thread ts>`; Slack team and
 * channel ids never contain '-'). Used when the project record itself cannot be read.
 */
export function threadOf(
  projectId: string,
): { teamId: string; channelId: string; threadTs: string } | undefined {
  const match = /^([A-Z0-9]+)-([A-Z0-9]+)-(\d+\.\d+)$/.exec(projectId);
  if (!match?.[1] || !match[2] || !match[3]) return undefined;
  return { teamId: match[1], channelId: match[2], threadTs: match[3] };
}

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
  const key = `incident.${incidentKey}`;
  await queues.outboxFor(projectId).add(
    'thread_message',
    {
      projectId,
      channelId: thread.channelId,
      threadTs: thread.threadTs,
      revision: 0,
      effect: { kind: 'thread_message', key, mode: 'post', view },
    },
    { ...OUTBOX_JOB_OPTIONS, jobId: safeJobId(`${projectId}.${key}`) },
  );
  return true;
}
