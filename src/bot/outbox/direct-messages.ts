import type { Logger } from 'pino';
import { messageKeys, threadOf } from '../../domain/ids.js';
import { viewSchema } from '../../domain/views.js';
import type { OutboxJob } from '../../memory/queues.js';
import { section } from '../views/blocks.js';
import type { RenderedMessage } from '../views/message.js';
import { renderView } from '../views/render.js';
import type { OutboxDeps } from './deps.js';
import { sendWithFallback } from './slack-errors.js';
import { messageMetadata } from './thread-lookup.js';

/** At most this many members of APPROVER_GROUP are written to when a gate opens: a DM to a whole department helps nobody. */
export const GROUP_DM_CAP = 20;

type DirectMessages = Extract<OutboxJob['effect'], { kind: 'direct_messages' }>;

/**
 * Sends one direct message per person (conversations.open, then chat.postMessage), each at most once:
 * a person's message is recorded under its own key, and one whose post was interrupted is looked for in
 * the DM before it is sent again. It waits for its thread's turn like every write, so the thread message it
 * links to is posted (and its ts known) first.
 */
export async function sendDirectMessages(deps: OutboxDeps, log: Logger, data: OutboxJob): Promise<void> {
  const { projectId, channelId, revision } = data;
  const effect = data.effect as DirectMessages;
  const view = viewSchema.parse(effect.view);
  const people = await recipients(deps, projectId, effect);
  const link = await permalink(deps, log, projectId, channelId, effect.linkTo);
  const message = withLink(renderView(view, deps.render), link);
  for (const userId of people) {
    const key = messageKeys.directMessage(effect.key, userId);
    const known = await deps.messages.get(projectId, key);
    if (known.ts) continue;
    const opened = await deps.client.conversations.open({ users: userId });
    const dm = opened.channel?.id;
    if (!dm) {
      log.warn({ userId }, 'slack opened no direct message; not written to');
      continue;
    }
    if (known.pending) {
      const found = await findInDm(deps, dm, projectId, key);
      if (found) {
        await deps.messages.record(projectId, key, found, revision);
        continue;
      }
    }
    await deps.messages.markPending(projectId, key);
    const posted = await sendWithFallback(log, deps.metrics, message, (m) =>
      deps.writer.chat.postMessage({
        channel: dm,
        unfurl_links: false,
        unfurl_media: false,
        metadata: messageMetadata(projectId, key),
        ...m,
      }),
    );
    if (typeof posted.ts === 'string') await deps.messages.record(projectId, key, posted.ts, revision);
  }
}

/** The people named, and the group's members up to the cap, each once, less those excepted. */
async function recipients(deps: OutboxDeps, projectId: string, effect: DirectMessages): Promise<string[]> {
  const people = new Set(effect.userIds);
  if (effect.groupId && deps.approverGroup) {
    const teamId = threadOf(projectId)?.teamId ?? '';
    // A group Slack cannot read now throws: the job is tried again, and those already written to are skipped.
    const members = await deps.approverGroup.members(deps.client, teamId, effect.groupId);
    for (const member of members.slice(0, GROUP_DM_CAP)) people.add(member);
  }
  for (const except of effect.exceptUserIds ?? []) people.delete(except);
  return [...people];
}

/** A link to the thread message `linkKey`, when it is posted and Slack gives one. */
async function permalink(
  deps: OutboxDeps,
  log: Logger,
  projectId: string,
  channelId: string,
  linkKey: string,
): Promise<string | undefined> {
  const ts = (await deps.messages.get(projectId, linkKey)).ts;
  if (!ts) return undefined;
  try {
    const res = await deps.client.chat.getPermalink({ channel: channelId, message_ts: ts });
    return typeof res.permalink === 'string' ? res.permalink : undefined;
  } catch (err) {
    log.warn({ err }, 'no permalink for the direct message; sent without a link');
    return undefined;
  }
}

function withLink(message: RenderedMessage, link: string | undefined): RenderedMessage {
  if (!link || !/^https:\/\/[^\s<>|]+$/.test(link)) return message;
  return { text: message.text, blocks: [...message.blocks, section(`<${link}|Open it in the thread>`)] };
}

/** The ts of our message `key` among the DM's latest messages, if an interrupted post did go out. */
async function findInDm(
  deps: OutboxDeps,
  channel: string,
  projectId: string,
  key: string,
): Promise<string | undefined> {
  const res = await deps.client.conversations.history({ channel, limit: 50, include_all_metadata: true });
  const found = (res.messages ?? []).find((m) => {
    const meta = m.metadata as { event_payload?: Record<string, unknown> } | undefined;
    return meta?.event_payload?.project_id === projectId && meta.event_payload?.key === key;
  });
  return found?.ts;
}
