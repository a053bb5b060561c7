import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { OrchestratorEvent } from '../../domain/events.js';
import { markRecorded } from '../../memory/dedupe.js';
import type { EventIntake } from '../../memory/event-intake.js';
import type { KeySpace } from '../../memory/keys.js';
import type { Metrics } from '../../ops/metrics.js';
import type { SlackDirectory } from '../slack-directory.js';
import type { RenderSettings } from '../views/offline.js';
import type { ApproverSettings } from './approver-check.js';

/**
 * Who did what, for the log: the facts authorisation is decided from, never what anyone wrote (no message
 * text, no file content), so the log can be kept and read without leaking a private conversation.
 */
export function auditFacts(event: OrchestratorEvent): Record<string, unknown> {
  const facts: Record<string, unknown> = { type: event.type, eventId: event.eventId };
  if ('userId' in event) {
    facts.userId = event.userId;
    facts.userTeamId = event.userTeamId;
    facts.userKind = event.userKind;
  }
  if (event.type === 'message') {
    facts.teamId = event.teamId;
    facts.channelId = event.channelId;
    facts.ts = event.ts;
    facts.addressed = event.addressed;
    facts.visibility = event.visibility;
    if (event.attachments)
      facts.attachments = event.attachments.map((a) => ({ name: a.name, read: a.content !== undefined }));
  }
  if ('origin' in event) facts.origin = event.origin;
  return facts;
}

export interface ListenerDeps {
  redis: Redis;
  keys: KeySpace;
  /** Puts events on the orchestrator's queue, failing fast while Redis is away. */
  intake: EventIntake;
  /** users.info / conversations.info, cached and bounded in time. */
  directory: SlackDirectory;
  logger: Logger;
  metrics: Metrics;
  /** What every message the listeners send themselves carries (the offline mark). */
  render: RenderSettings;
  /** Gate approvers, for the APPROVER_GROUP lookup on a gate click; undefined: ids only, nothing to look up. */
  approvers?: ApproverSettings;
}

/**
 * Hands an event to the orchestrator, then marks the Slack event recorded (never the other way round: see
 * memory/dedupe.ts). If it cannot be recorded the error is rethrown: for an event Bolt answers 500 and
 * Slack delivers it again, so nothing the user said is lost; a click's listener tells the clicker.
 */
export async function deliverEvent(
  deps: ListenerDeps,
  event: OrchestratorEvent,
  slackEventId?: string,
): Promise<void> {
  try {
    await deps.intake.record(event);
  } catch (err) {
    deps.logger.error({ err, eventId: event.eventId }, 'could not record a Slack event');
    throw err;
  }
  deps.metrics.slackEvents.inc({ kind: event.type });
  deps.logger.info({ event: auditFacts(event) }, 'slack event recorded');
  if (slackEventId === undefined) return;
  // The event is on the queue; a lost mark only means a redelivery is enqueued again, under the same job id.
  await markRecorded(deps.redis, deps.keys, slackEventId).catch((err: unknown) =>
    deps.logger.warn({ err, eventId: slackEventId }, 'event recorded, but not marked as seen'),
  );
}
