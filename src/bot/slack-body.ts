import { z } from 'zod';

/**
 * What a parsed Slack request body (HTTP or a Socket Mode envelope's payload) is, decided before Bolt sees
 * it: Bolt dereferences the body without checking it (a JSON `null` crashes the process, an `event` that is
 * not an object fails deep inside), and it drops `app_rate_limited`, which has no inner event, unanswered.
 */
export type SlackBodyKind =
  /** Something Bolt can dispatch: an Events API envelope, an interactive payload, a slash command. */
  | { kind: 'dispatch' }
  /** Slack is dropping this app's event deliveries for a workspace (more than 30,000 events an hour). */
  | { kind: 'app_rate_limited'; teamId: string; minuteRateLimited: number | undefined }
  | { kind: 'malformed'; reason: string };

const plainObject = z.looseObject({});
const appRateLimitedSchema = z.looseObject({
  type: z.literal('app_rate_limited'),
  team_id: z.string(),
  minute_rate_limited: z.number().optional(),
});
const withInnerEvent = z.looseObject({ event: z.looseObject({ type: z.string() }) });
const typed = z.looseObject({ type: z.string() });
const slashCommand = z.looseObject({ command: z.string() });

export function classifySlackBody(body: unknown): SlackBodyKind {
  if (Array.isArray(body) || !plainObject.safeParse(body).success) {
    return { kind: 'malformed', reason: 'the body is not a JSON object' };
  }
  const fields = body as Record<string, unknown>;
  if (fields.type === 'app_rate_limited') {
    const parsed = appRateLimitedSchema.safeParse(body);
    return parsed.success
      ? {
          kind: 'app_rate_limited',
          teamId: parsed.data.team_id,
          minuteRateLimited: parsed.data.minute_rate_limited,
        }
      : { kind: 'malformed', reason: 'app_rate_limited without a team_id' };
  }
  // Bolt treats any body with an `event` field as an Events API envelope and reads the event's fields.
  if ('event' in fields) {
    return withInnerEvent.safeParse(body).success
      ? { kind: 'dispatch' }
      : { kind: 'malformed', reason: 'its event is not an object with a type' };
  }
  if (typed.safeParse(body).success || slashCommand.safeParse(body).success) return { kind: 'dispatch' };
  return { kind: 'malformed', reason: 'it has neither a type nor a command' };
}
