import type { App, webApi } from '@slack/bolt';
import { z } from 'zod';
import { eventIds } from '../../domain/ids.js';
import { listForUser, threadUrl } from '../../domain/project-listing.js';
import { openProjectLine, refusals } from '../../domain/texts.js';
import type { ProjectIndex } from '../../memory/project-index.js';
import type { ProjectStore } from '../../memory/project-store.js';
import { platformError } from '../outbox/slack-errors.js';
import { section } from '../views/blocks.js';
import { renderCommandHelp, renderCommandRequest, renderProjectList } from '../views/command.js';
import { type RenderedMessage, simple } from '../views/message.js';
import { withOfflineMark } from '../views/offline.js';
import { deliverEvent, type ListenerDeps } from './deliver-event.js';

export const SLASH_COMMAND = '/pipewright';

const commandSchema = z.object({
  user_id: z.string().min(1),
  channel_id: z.string().min(1),
  team_id: z.string().min(1),
  text: z.string().max(4_000).default(''),
  trigger_id: z.string().min(1),
});
type Command = z.infer<typeof commandSchema>;

export interface CommandListenerDeps extends ListenerDeps {
  projects: ProjectStore;
  index: ProjectIndex;
  approverIds: readonly string[];
  maxOpenProjectsPerUser: number;
  /** Posts the message that opens a `new` project's thread; never retried blind (outbox/writer.ts). */
  writer: webApi.WebClient;
}

/**
 * `/pipewright help | list | status | new <request>`. Acked at once (Slack wants it within 3 s); the
 * answer goes to the person alone through the command's response_url. `new` opens a project exactly as a
 * mention would: it posts a message quoting the request (a slash command leaves none) and hands the
 * request to the orchestrator as a message addressed to the bot, in that message's thread.
 */
export function registerCommandListeners(app: App, deps: CommandListenerDeps): void {
  app.command(SLASH_COMMAND, async ({ ack, body, respond, client, context }) => {
    await ack();
    const parsed = commandSchema.safeParse(body);
    if (!parsed.success) {
      deps.logger.warn({ issues: parsed.error.issues }, 'ignoring malformed slash command');
      return;
    }
    // The installation's workspace, as every project belongs to it (listeners/events.ts).
    const teamId = context.teamId ?? parsed.data.team_id;
    const reply = (message: RenderedMessage) =>
      respond({ response_type: 'ephemeral', ...withOfflineMark(message, deps.render) });
    // Not awaited: the HTTP ack goes back now, whatever Slack's API and Redis take.
    answer(deps, client, teamId, parsed.data, reply).catch((err: unknown) => {
      deps.logger.error({ err }, 'slash command failed');
      reply(
        plain('Something went wrong on my side, so nothing was started. Please try again in a minute.'),
      ).catch(() => undefined);
    });
  });
}

async function answer(
  deps: CommandListenerDeps,
  client: webApi.WebClient,
  teamId: string,
  command: Command,
  reply: (message: RenderedMessage) => Promise<unknown>,
): Promise<void> {
  const text = command.text.trim();
  const [word = '', ...rest] = text.split(/\s+/);
  switch (word.toLowerCase()) {
    case '':
    case 'help':
      await reply(renderCommandHelp());
      return;
    case 'list':
      await reply(
        renderProjectList(
          'Your projects',
          listForUser(await deps.index.forUser(teamId, command.user_id), command.user_id, deps.approverIds),
          'You have no projects yet. Start one here with `/pipewright new <your request>`.',
        ),
      );
      return;
    case 'status':
      await reply(
        renderProjectList(
          'Projects in this channel',
          listForUser(
            await deps.index.forChannel(teamId, command.channel_id),
            command.user_id,
            deps.approverIds,
          ),
          'No projects in this channel yet. Start one with `/pipewright new <your request>`.',
        ),
      );
      return;
    case 'new':
      await openProject(
        deps,
        client,
        teamId,
        command,
        rest.length > 0 ? text.slice(word.length).trim() : '',
        reply,
      );
      return;
    default:
      await reply(renderCommandHelp(word));
  }
}

async function openProject(
  deps: CommandListenerDeps,
  client: webApi.WebClient,
  teamId: string,
  command: Command,
  request: string,
  reply: (message: RenderedMessage) => Promise<unknown>,
): Promise<void> {
  if (request.length === 0) {
    await reply(
      plain(
        'Tell me what you need after `new`, for example `/pipewright new build a churn model for our subscription data and serve it behind an API`.',
      ),
    );
    return;
  }
  const userId = command.user_id;
  const [author, visibility, open] = await Promise.all([
    deps.directory.user(client, teamId, userId),
    deps.directory.visibility(client, teamId, command.channel_id),
    deps.projects.openProjects(teamId, userId),
  ]);
  // The same refusals the orchestrator gives a mention, said before anything is posted in the channel.
  if (author?.teamId !== undefined && author.teamId !== teamId)
    return void (await reply(plain(refusals.otherOrganisationCannotOpen())));
  if (author?.kind === 'guest') return void (await reply(plain(refusals.guestCannotOpen())));
  if (!author) return void (await reply(plain(refusals.unverifiedCannotOpen())));
  if (open.length >= deps.maxOpenProjectsPerUser) {
    const lines = open.map(openProjectLine);
    return void (await reply(plain(refusals.tooManyOpen(open.length, deps.maxOpenProjectsPerUser, lines))));
  }
  let ts: string;
  try {
    const posted = await deps.writer.chat.postMessage({
      channel: command.channel_id,
      unfurl_links: false,
      unfurl_media: false,
      ...withOfflineMark(renderCommandRequest(userId, request), deps.render),
    });
    ts = String(posted.ts);
  } catch (err) {
    const code = platformError(err);
    deps.logger.warn(
      { err, code, channelId: command.channel_id },
      'could not post a /pipewright new request',
    );
    const notHere = code === 'not_in_channel' || code === 'channel_not_found' || code === 'is_archived';
    await reply(
      plain(
        notHere
          ? 'I cannot post in this conversation, so nothing was started. Invite me with `/invite @Pipewright` (or use `/pipewright new` in a channel I am in), then try again.'
          : 'Slack did not take my message just now, so nothing was started. Please try again in a minute.',
      ),
    );
    return;
  }
  await deliverEvent(deps, {
    type: 'message',
    eventId: eventIds.command(command.trigger_id),
    teamId,
    channelId: command.channel_id,
    threadTs: ts,
    ts,
    userId,
    ...(author.teamId ? { userTeamId: author.teamId } : {}),
    userKind: author.kind,
    text: request,
    addressed: true,
    ...(visibility ? { visibility } : {}),
  });
  const url = threadUrl({ channelId: command.channel_id, threadTs: ts });
  await reply({
    text: `Started: your project is in its thread, ${url}`,
    blocks: [
      section(`:rocket: Started: your project is in <${url}|this thread>. I will ask my questions there.`),
    ],
  });
}

/** Our own sentence (it may name users); see views/message.ts. */
const plain = simple;
