import { type Job, type Queue, UnrecoverableError } from 'bullmq';
import type { Logger } from 'pino';
import { assertNever } from '../../domain/assert-never.js';
import { type View, viewSchema } from '../../domain/views.js';
import type { OutboxJob } from '../../memory/queues.js';
import type { RenderedMessage } from '../views/message.js';
import type { RenderSettings } from '../views/offline.js';
import { renderView } from '../views/render.js';
import { decideWrite } from './decide.js';
import type { OutboxDeps } from './deps.js';
import { type SlackCall, sendWithFallback } from './slack-errors.js';
import { withLiveProgress } from './stage-progress.js';
import { showsAsTaskCards, writeTaskCards } from './task-cards.js';
import { findPosted, messageMetadata } from './thread-lookup.js';
import { waitForPostSlot } from './turns.js';

export async function sendEphemeral(deps: OutboxDeps, log: Logger, data: OutboxJob): Promise<void> {
  const { channelId, threadTs, effect } = data;
  if (effect.kind !== 'ephemeral') return;
  const message = renderMessage(data, deps.render);
  await sendWithFallback(log, deps.metrics, message, (m) =>
    deps.writer.chat.postEphemeral({ channel: channelId, user: effect.userId, thread_ts: threadTs, ...m }),
  );
}

function renderMessage(data: OutboxJob, settings: RenderSettings): RenderedMessage {
  return renderView(viewOf(data), settings);
}

function viewOf(data: OutboxJob): View {
  const view = viewSchema.safeParse('view' in data.effect ? data.effect.view : undefined);
  if (!view.success) throw new UnrecoverableError(`outbox job for ${data.effect.key} has an invalid view`);
  return view.data;
}

/** Posts a thread message, edits it in place, or leaves it, as `decideWrite` says. */
export async function writeThreadMessage(
  deps: OutboxDeps,
  log: Logger,
  job: Job<OutboxJob>,
  token: string | undefined,
  queue?: Queue<OutboxJob>,
): Promise<void> {
  const { projectId, channelId, threadTs, revision, effect } = job.data;
  if (effect.kind !== 'thread_message') return;
  // The live status as task cards where Slack offers them; the edited message below where it does not.
  if (showsAsTaskCards(deps, job.data) && (await writeTaskCards(deps, log, job, token, queue))) return;
  const message = renderView(await withLiveProgress(deps, log, projectId, viewOf(job.data)), deps.render);
  const send = <T>(call: SlackCall<T>) => sendWithFallback(log, deps.metrics, message, call);

  const reply = isReply(effect);
  const recordPosted = (ts: string, rev: number) =>
    reply
      ? deps.messages.recordReply(projectId, effect.key)
      : deps.messages.record(projectId, effect.key, ts, rev);
  const known = await deps.messages.get(projectId, effect.key);
  const first = decideWrite(known, effect, revision);
  const decision =
    first.action === 'lookup'
      ? decideWrite(known, effect, revision, {
          ts: await findPosted(deps.client, channelId, threadTs, projectId, effect.key),
        })
      : first;
  switch (decision.action) {
    case 'skip':
      return;
    case 'record':
      await recordPosted(decision.ts, decision.revision);
      return;
    case 'edit': {
      const { ts } = decision;
      await send((m) => deps.writer.chat.update({ channel: channelId, ts, ...m }));
      await deps.messages.record(projectId, effect.key, ts, revision);
      return;
    }
    case 'post': {
      await waitForPostSlot(deps, job, token);
      await deps.messages.markPending(projectId, effect.key);
      const posted = await send((m) =>
        deps.writer.chat.postMessage({
          channel: channelId,
          thread_ts: threadTs,
          unfurl_links: false,
          unfurl_media: false,
          metadata: messageMetadata(projectId, effect.key),
          ...m,
        }),
      );
      if (typeof posted.ts === 'string') await recordPosted(posted.ts, revision);
      return;
    }
    default:
      return assertNever(decision);
  }
}

/**
 * Views that are posted once and never edited afterwards (answers to `status`, help, refusals and other
 * notices, memory reports): once out, only a replay of their job needs to know, so they are remembered
 * among the thread's recent replies instead of for the project's life. Gates, the forget prompt and the
 * live status are edited later (their decision, their progress) and keep their ts.
 */
const REPLY_VIEWS: ReadonlySet<View['type']> = new Set<View['type']>(['status', 'notice', 'memory']);

function isReply(effect: Extract<OutboxJob['effect'], { kind: 'thread_message' }>): boolean {
  return effect.mode === 'post' && REPLY_VIEWS.has(effect.view.type);
}
