import type { types } from '@slack/bolt';
import type { ListedProject } from '../../domain/project-listing.js';
import { button, context, section } from './blocks.js';
import { HOME_ACTIONS, projectFacts, projectLink } from './home.js';
import { plainFallback, type RenderedMessage } from './message.js';
import { escapeText, truncate } from './text.js';

type KnownBlock = types.KnownBlock;

/** What `/pipewright` answers (always ephemerally, to the person who typed it). */

/** Most projects one answer lists; App Home pages through the rest. */
const LISTED_AT_MOST = 15;

export const COMMAND_HELP = [
  '*`/pipewright`* runs machine-learning projects from any channel:',
  '• `/pipewright new <request>`: start a project here, as mentioning me with the request would',
  '• `/pipewright list`: your projects, wherever they are',
  '• `/pipewright status`: the projects of this channel',
  '• `/pipewright help`: this list',
  'Inside a project thread, `status`, `cancel`, `retry <stage>`, `resume`, `go` and `help` work as replies. Your projects are also on my *Home* tab.',
].join('\n');

export function renderCommandHelp(unknownWord?: string): RenderedMessage {
  const intro = unknownWord ? `I do not know \`${escapeText(truncate(unknownWord, 40))}\`. ` : '';
  const text = `${intro}${COMMAND_HELP}`;
  return { text: plainFallback(text.replace(/[*`]/g, '')), blocks: [section(text)] };
}

/** A list of projects, each with its link, facts and what it waits on; `empty` when there are none. */
export function renderProjectList(
  title: string,
  listed: readonly ListedProject[],
  empty: string,
): RenderedMessage {
  if (listed.length === 0) return { text: plainFallback(empty), blocks: [section(empty)] };
  const blocks: KnownBlock[] = [section(`*${title}* (${listed.length})`)];
  for (const item of listed.slice(0, LISTED_AT_MOST)) {
    const waiting = item.waitingFor ? `\n:point_right: Waiting on you: ${item.waitingFor}` : '';
    blocks.push({
      ...section(`*${projectLink(item.project)}*\n${projectFacts(item.project)}${waiting}`),
      accessory: button({ text: 'Status', actionId: HOME_ACTIONS.status, value: item.project.id }),
    } as KnownBlock);
  }
  if (listed.length > LISTED_AT_MOST)
    blocks.push(context(`…and ${listed.length - LISTED_AT_MOST} more on my *Home* tab.`));
  return { text: plainFallback(`${title}: ${listed.length}`), blocks };
}

/** The message that opens a project's thread for `/pipewright new` (a slash command leaves no message). */
export function renderCommandRequest(userId: string, request: string): RenderedMessage {
  const quoted = escapeText(truncate(request, 2_800))
    .split('\n')
    .map((line) => `>${line}`)
    .join('\n');
  return {
    text: plainFallback(`New project requested: ${truncate(request, 200)}`),
    blocks: [
      section(`:clipboard: <@${userId}> asked for a new project with \`/pipewright new\`:\n${quoted}`),
    ],
  };
}
