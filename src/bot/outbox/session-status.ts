import type { Logger } from 'pino';
import type { SlackFeature } from '../../memory/feature-holds.js';
import type { OutboxJob } from '../../memory/queues.js';
import type { OutboxDeps } from './deps.js';
import { isRateLimited, platformError } from './slack-errors.js';

/**
 * Slack errors that mean a workspace does not offer a feature to this app (not declared as an agent, a
 * scope or plan it lacks, a method this Slack does not have): the outbox stops calling it there for a while.
 */
const UNSUPPORTED_ERRORS: ReadonlySet<string> = new Set([
  'not_allowed',
  'not_authorized',
  'not_allowed_token_type',
  'missing_scope',
  'unknown_method',
  'method_deprecated',
  'feature_not_enabled',
  'team_not_allowed',
  'app_not_agent',
]);

/** Whether a Slack refusal means the workspace lacks the feature, so it should be left alone for a while. */
export function meansUnsupported(error: string | undefined): boolean {
  return error !== undefined && UNSUPPORTED_ERRORS.has(error);
}

/** Holds `feature` for the workspace when Slack's refusal says it is not offered there; true when it did. */
export async function holdIfUnsupported(
  deps: OutboxDeps,
  log: Logger,
  teamId: string,
  feature: SlackFeature,
  err: unknown,
): Promise<boolean> {
  const error = platformError(err);
  if (!meansUnsupported(error)) return false;
  log.warn(
    { teamId, feature, slackError: error },
    'slack does not offer this feature here; leaving it alone for a while',
  );
  await deps.holds.hold(teamId, feature, error ?? 'unsupported');
  return true;
}

/**
 * Tells Slack the thread's agent session status (agents.sessions.setStatus). Never holds the thread up:
 * a refusal is logged and counted, and the run goes on; only a 429 is handed back (the job waits aside).
 * Off with AGENT_SESSIONS=off, and for a while for a workspace that answered that sessions are not allowed.
 */
export async function setSessionStatus(deps: OutboxDeps, log: Logger, data: OutboxJob): Promise<void> {
  const { channelId, threadTs, effect } = data;
  if (effect.kind !== 'session_status' || !deps.features.agentSessions) return;
  if (await deps.holds.isHeld(effect.teamId, 'agent-sessions')) return;
  try {
    const answer = await deps.writer.agents.sessions.setStatus({
      channel_id: channelId,
      thread_ts: threadTs,
      status: effect.status,
      title: effect.title,
      initiator_user_id: effect.initiatorUserId,
    });
    if (answer.warning) log.warn({ warning: answer.warning }, 'agents.sessions.setStatus warned');
    deps.metrics.slackSessionStatus.inc({ status: effect.status, outcome: 'ok' });
  } catch (err) {
    if (isRateLimited(err)) throw err;
    deps.metrics.slackApiErrors.inc({ error: platformError(err) ?? 'transport' });
    deps.metrics.slackSessionStatus.inc({ status: effect.status, outcome: 'refused' });
    if (await holdIfUnsupported(deps, log, effect.teamId, 'agent-sessions', err)) return;
    log.warn({ err, status: effect.status }, 'could not set the agent session status; the run goes on');
  }
}
