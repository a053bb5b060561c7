import type { App, Context, webApi } from '@slack/bolt';
import type { MessageEvent } from '../../domain/events.js';
import { eventIds, projectIdFor } from '../../domain/ids.js';
import type { ProjectStore } from '../../memory/project-store.js';
import { visibilityOfChannelType } from '../slack-directory.js';
import { type ReadFilesOptions, readAttachments } from '../slack-files.js';
import { controlFacts } from './approver-check.js';
import { deliverEvent, type ListenerDeps } from './deliver-event.js';
import {
  authorTeamOf,
  envelopeSchema,
  installingTeamOf,
  mentionEventSchema,
  messageEventSchema,
  READABLE_SUBTYPES,
} from './slack-payloads.js';

/**
 * Mentions open projects (or speak in one); replies in a project's thread and direct messages speak in
 * it. Every project belongs to the workspace that installed the app, whatever team an envelope names, so
 * a thread is one project even in a shared channel. Who wrote (user, own team, guest or not), who can
 * read the conversation and what files came with it go into the event; what anyone may do is decided by
 * the orchestrator from those facts.
 */
export function registerEventListeners(app: App, deps: ListenerDeps & { projects: ProjectStore }): void {
  app.event('app_mention', async ({ event, body, client, context }) => {
    const envelope = envelopeSchema.safeParse(body);
    const mention = mentionEventSchema.safeParse(event);
    if (!envelope.success || !mention.success) {
      deps.logger.warn(
        { issues: (envelope.error ?? mention.error)?.issues },
        'ignoring malformed app_mention',
      );
      return;
    }
    const e = mention.data;
    // An edit is not new input: Slack re-sends the mention, stamped `edited`, when its message is edited.
    if (e.edited) return;
    if (isFromBot(e, context)) return;
    // In a DM the message.im event carries the same text; let that one speak.
    if (e.channel.startsWith('D')) return;
    const teamId = installingTeamOf(envelope.data);
    const [author, visibility, attachments, groupFact] = await Promise.all([
      deps.directory.user(client, teamId, e.user),
      deps.directory.visibility(client, teamId, e.channel),
      readAttachments(e.files, fileOptions(deps, client, context)),
      controlFacts(deps.approvers, client, teamId, e.user, e.text, deps.logger),
    ]);
    if (author?.isBot) return;
    await deliverEvent(
      deps,
      messageEventOf({
        eventId: eventIds.slack(envelope.data.event_id),
        teamId,
        channelId: e.channel,
        threadTs: e.thread_ts ?? e.ts,
        ts: e.ts,
        userId: e.user,
        userTeamId: authorTeamOf(e) ?? author?.teamId,
        userKind: author?.kind ?? 'unknown',
        ...groupFact,
        text: e.text,
        addressed: true,
        visibility,
        attachments,
      }),
      envelope.data.event_id,
    );
  });

  app.event('message', async ({ event, body, client, context }) => {
    const envelope = envelopeSchema.safeParse(body);
    const message = messageEventSchema.safeParse(event);
    if (!envelope.success || !message.success) return; // edits, deletions and joins have other shapes
    const m = message.data;
    if (!READABLE_SUBTYPES.has(m.subtype) || isFromBot(m, context)) return;
    const isDm = m.channel_type === 'im';
    // A channel message that mentions us also arrives as app_mention, which handles it.
    if (!isDm && context.botUserId && m.text.includes(`<@${context.botUserId}>`)) return;
    if (!isDm && !m.thread_ts) return;
    const teamId = installingTeamOf(envelope.data);
    const threadTs = m.thread_ts ?? m.ts;
    const opensProject = isDm && !m.thread_ts;
    // Chatter in threads we do not run costs one EXISTS and nothing else.
    if (!opensProject && !(await deps.projects.exists(projectIdFor(teamId, m.channel, threadTs)))) return;
    const [author, attachments, groupFact] = await Promise.all([
      deps.directory.user(client, teamId, m.user),
      readAttachments(m.files, fileOptions(deps, client, context)),
      controlFacts(deps.approvers, client, teamId, m.user, m.text, deps.logger),
    ]);
    if (author?.isBot) return;
    await deliverEvent(
      deps,
      messageEventOf({
        eventId: eventIds.slack(envelope.data.event_id),
        teamId,
        channelId: m.channel,
        threadTs,
        ts: m.ts,
        userId: m.user,
        userTeamId: authorTeamOf(m) ?? author?.teamId,
        userKind: author?.kind ?? 'unknown',
        ...groupFact,
        text: m.text,
        addressed: opensProject,
        visibility: visibilityOfChannelType(m.channel_type),
        attachments,
      }),
      envelope.data.event_id,
    );
  });
}

/** Another app's or integration's message (or our own): never a request, an answer or a command. */
function isFromBot(e: { user: string; bot_id?: string | undefined }, context: Context): boolean {
  return e.bot_id !== undefined || e.user === context.botUserId;
}

function fileOptions(deps: ListenerDeps, client: webApi.WebClient, context: Context): ReadFilesOptions {
  return { botToken: context.botToken, apiUrl: client.slackApiUrl, logger: deps.logger };
}

/** The event, without the facts that are not known (the queue's JSON would drop them anyway). */
function messageEventOf(fields: Omit<MessageEvent, 'type'>): MessageEvent {
  const event: MessageEvent = { type: 'message', ...fields };
  for (const key of ['userTeamId', 'visibility', 'attachments'] as const) {
    if (event[key] === undefined) delete event[key];
  }
  return event;
}
