import type { App } from '@slack/bolt';
import type { ProjectStore } from '../../memory/project-store.js';
import { projectIdFor } from '../../orchestrator/project.js';
import { deliverEvent, type ListenerDeps } from './deliver-event.js';
import { envelopeSchema, mentionEventSchema, messageEventSchema } from './slack-payloads.js';

/** Mentions open projects (or speak in one); plain thread replies speak in a project's thread. */
export function registerEventListeners(app: App, deps: ListenerDeps & { projects: ProjectStore }): void {
  app.event('app_mention', async ({ event, body }) => {
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
    // In a DM the message.im event carries the same text; let that one speak.
    if (e.channel.startsWith('D')) return;
    await deliverEvent(
      deps,
      {
        type: 'message',
        eventId: envelope.data.event_id,
        teamId: envelope.data.team_id,
        channelId: e.channel,
        threadTs: e.thread_ts ?? e.ts,
        ts: e.ts,
        userId: e.user,
        text: e.text,
        addressed: true,
      },
      envelope.data.event_id,
    );
  });

  app.event('message', async ({ event, body, context }) => {
    const envelope = envelopeSchema.safeParse(body);
    const message = messageEventSchema.safeParse(event);
    if (!envelope.success || !message.success) return; // edits, deletions and joins have other shapes
    const m = message.data;
    if (m.subtype || m.bot_id || m.user === context.botUserId) return;
    const isDm = m.channel_type === 'im';
    // A channel message that mentions us also arrives as app_mention, which handles it.
    if (!isDm && context.botUserId && m.text.includes(`<@${context.botUserId}>`)) return;
    if (!isDm && !m.thread_ts) return;
    const threadTs = m.thread_ts ?? m.ts;
    const opensProject = isDm && !m.thread_ts;
    if (
      !opensProject &&
      !(await deps.projects.exists(projectIdFor(envelope.data.team_id, m.channel, threadTs)))
    ) {
      return; // a thread we do not run
    }
    await deliverEvent(
      deps,
      {
        type: 'message',
        eventId: envelope.data.event_id,
        teamId: envelope.data.team_id,
        channelId: m.channel,
        threadTs,
        ts: m.ts,
        userId: m.user,
        text: m.text,
        addressed: opensProject,
      },
      envelope.data.event_id,
    );
  });
}
