import type { Actor } from '../../domain/authority.js';
import { parseThreadCommand, stripMentions } from '../../domain/commands.js';
import type { Attachment, MessageEvent } from '../../domain/events.js';
import { messageKeys, projectIdFor } from '../../domain/ids.js';
import { newProject } from '../../domain/project.js';
import { openProjectLine, refusals } from '../../domain/texts.js';
import { askClarification } from './clarify.js';
import {
  DEFAULT_MAX_OPEN_PROJECTS_PER_USER,
  DEFAULT_PROJECT_BUDGET_USD,
  type MachineContext,
  type MachineSettings,
  type Transition,
} from './settings.js';
import { ephemeral, Step } from './step.js';

/** Largest text file read into a request; longer ones are cut, with a note saying so. */
const ATTACHMENT_CHARS = 20_000;

/** A message in a thread we do not run yet: opens a project when it is a request that may open one. */
export function openProject(
  event: MessageEvent,
  settings: MachineSettings,
  context: MachineContext,
): Transition {
  if (!event.addressed) return { project: undefined, effects: [] };
  const refuse = (text: string): Transition => ({
    project: undefined,
    effects: [ephemeral(messageKeys.reply('refusal', event.eventId), event.userId, text)],
  });
  const command = parseThreadCommand(event.text);
  // A command outside a project thread (in a DM, or a mention starting a thread) is not a request.
  if (command.kind !== 'text') {
    return refuse(
      refusals.commandOutsideProject(command.kind, (context.openProjects ?? []).map(openProjectLine)),
    );
  }
  const empty = stripMentions(event.text).length === 0 && !event.attachments?.length;
  if (empty) {
    return refuse(refusals.emptyRequest());
  }
  const actor: Actor = event;
  if (actor.userTeamId !== undefined && actor.userTeamId !== event.teamId) {
    return refuse(refusals.otherOrganisationCannotOpen());
  }
  if (actor.userKind === 'guest') return refuse(refusals.guestCannotOpen());
  if (actor.userKind === 'unknown') {
    return refuse(refusals.unverifiedCannotOpen());
  }
  const cap = settings.maxOpenProjectsPerUser ?? DEFAULT_MAX_OPEN_PROJECTS_PER_USER;
  const open = (context.openProjects ?? []).filter(
    (p) => p.id !== projectIdFor(event.teamId, event.channelId, event.threadTs),
  );
  if (open.length >= cap) {
    return refuse(refusals.tooManyOpen(open.length, cap, open.map(openProjectLine)));
  }
  const project = newProject({
    teamId: event.teamId,
    channelId: event.channelId,
    threadTs: event.threadTs,
    requesterId: event.userId,
    request: requestText(event.text, event.attachments),
    visibility: event.visibility,
    now: settings.now,
  });
  const base = settings.projectBudgetUsd ?? DEFAULT_PROJECT_BUDGET_USD;
  project.budget = { limitUsd: base, baseUsd: base };
  const step = new Step(project, settings, event.eventId);
  step.post(messageKeys.welcome, { type: 'welcome', requesterId: event.userId });
  askClarification(step);
  return step.result();
}

/** The request as the project manager reads it: the words without mentions, then each attached file. */
function requestText(text: string, attachments: readonly Attachment[] | undefined): string {
  const words = stripMentions(text);
  const files = (attachments ?? []).map((a) => {
    if (a.content === undefined)
      return `Attached file: ${a.name} (not a text file I can read, or too large).`;
    const cut = a.content.length > ATTACHMENT_CHARS;
    const body = cut ? `${a.content.slice(0, ATTACHMENT_CHARS)}\n[… cut: the file is longer]` : a.content;
    return `Attached file: ${a.name}\n<file name="${a.name.replace(/"/g, "'")}">\n${body}\n</file>`;
  });
  return [words, ...files].filter((part) => part.length > 0).join('\n\n');
}
