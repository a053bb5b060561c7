import type { types } from '@slack/bolt';
import type { Project, RunPhase } from '../../domain/project.js';
import {
  type ListedProject,
  type ListingGroup,
  listForUser,
  progressOf,
  threadUrl,
  titleOf,
} from '../../domain/project-listing.js';
import { formatUsd } from '../../domain/spending.js';
import { statusView } from '../../domain/status-view.js';
import { button, context, divider, header, section } from './blocks.js';
import { plainFallback, type RenderedMessage } from './message.js';
import type { RenderSettings } from './offline.js';
import { renderView } from './render.js';
import { escapeText } from './text.js';

type KnownBlock = types.KnownBlock;

/** Action ids of App Home's buttons (listeners/home.ts). */
export const HOME_ACTIONS = {
  status: 'home_status',
  nextPage: 'home_page_next',
  previousPage: 'home_page_prev',
} as const;

export const HOME_CALLBACK_ID = 'pipewright_home';

/** Projects on one page of App Home: with group headers and paging, far under Slack's 100 blocks a view. */
export const HOME_PAGE_SIZE = 20;

/** Slack refuses a Home tab view of more than 100 blocks. */
export const HOME_BLOCK_LIMIT = 100;

export interface HomeView {
  type: 'home';
  callback_id: string;
  private_metadata: string;
  blocks: KnownBlock[];
}

export interface HomeInput {
  userId: string;
  /** The projects the person sees (memory/project-index.ts), in any order. */
  projects: readonly Project[];
  approverIds: readonly string[];
  /** 0-based; clamped to the pages there are. */
  page: number;
}

const GROUP_TITLE: Record<ListingGroup, string> = {
  waiting: ':bell: Waiting on you',
  active: ':arrows_counterclockwise: Active',
  recent: ':card_file_box: Recent',
};

const PHASE_LABEL: Record<RunPhase, string> = {
  clarifying: ':speech_balloon: clarifying',
  planning: ':memo: planning',
  running: ':arrows_counterclockwise: running',
  summarizing: ':pencil: summarizing',
  completed: ':white_check_mark: completed',
  stopped: ':double_vertical_bar: stopped',
  failed: ':x: failed',
  cancelled: ':heavy_multiplication_x: cancelled',
  forgotten: ':wastebasket: forgotten',
};

/** How many pages `count` projects take (at least one, the empty state). */
export function pageCount(count: number): number {
  return Math.max(1, Math.ceil(count / HOME_PAGE_SIZE));
}

/**
 * The person's App Home: their projects, waiting on them first, then active, then recent, one page at a
 * time, each with its state, progress, spend, a link to its thread and a Status button. Pure.
 */
export function buildHomeView(input: HomeInput): { view: HomeView; page: number; pages: number } {
  const listed = listForUser(input.projects, input.userId, input.approverIds);
  const pages = pageCount(listed.length);
  const page = Math.min(Math.max(0, Math.trunc(input.page) || 0), pages - 1);
  const blocks: KnownBlock[] = listed.length === 0 ? emptyState() : projectPage(listed, page, pages);
  return {
    view: {
      type: 'home',
      callback_id: HOME_CALLBACK_ID,
      private_metadata: JSON.stringify({ page }),
      blocks,
    },
    page,
    pages,
  };
}

function emptyState(): KnownBlock[] {
  return [
    header('Your Pipewright projects'),
    section(
      'You have no projects yet. I run machine-learning projects end to end: I ask what I need to know, plan the work, hand each stage to a specialist agent, and ask before anything is deployed.',
    ),
    section(
      [
        '*To start one:*',
        '• mention me in a channel with your request, e.g. `@Pipewright build a churn model for our subscription data and serve it behind an API`;',
        '• or type `/pipewright new <your request>` in a channel;',
        '• or write the request to me in the *Messages* tab.',
      ].join('\n'),
    ),
    context('Projects you ask for, and those you may approve, appear here.'),
  ];
}

function projectPage(listed: readonly ListedProject[], page: number, pages: number): KnownBlock[] {
  const counts = countGroups(listed);
  const summary = (['waiting', 'active', 'recent'] as const)
    .map((g) => `${counts[g]} ${g === 'waiting' ? 'waiting on you' : g}`)
    .join(' · ');
  const blocks: KnownBlock[] = [header('Your Pipewright projects'), context(summary)];
  const slice = listed.slice(page * HOME_PAGE_SIZE, (page + 1) * HOME_PAGE_SIZE);
  let group: ListingGroup | undefined;
  for (const item of slice) {
    if (item.group !== group) {
      group = item.group;
      blocks.push(divider(), section(`*${GROUP_TITLE[group]}* (${counts[group]})`));
    }
    blocks.push(projectBlock(item));
  }
  if (pages > 1) blocks.push(divider(), ...pager(page, pages));
  return blocks;
}

function countGroups(listed: readonly ListedProject[]): Record<ListingGroup, number> {
  const counts: Record<ListingGroup, number> = { waiting: 0, active: 0, recent: 0 };
  for (const item of listed) counts[item.group] += 1;
  return counts;
}

/** One line of facts about a project, as every listing shows it. */
export function projectFacts(project: Project): string {
  const { done, total } = progressOf(project);
  const progress = total > 0 ? `${done}/${total} stages` : 'no plan yet';
  return `${PHASE_LABEL[project.phase]} · ${progress} · spent ${formatUsd(project.usage.costUsd)} · <#${project.channelId}>`;
}

/** The project's title, linked to its thread. */
export function projectLink(project: Project): string {
  // The title comes from a person or a model: escaped, and no `|` or `>` can end the link early.
  const title = escapeText(titleOf(project)).replace(/\|/g, '¦');
  return `<${threadUrl(project)}|${title}>`;
}

function projectBlock(item: ListedProject): KnownBlock {
  const { project } = item;
  const lines = [`*${projectLink(project)}*`, projectFacts(project)];
  if (item.waitingFor) lines.push(`:point_right: Waiting on you: ${item.waitingFor}`);
  return {
    ...section(lines.join('\n')),
    accessory: button({ text: 'Status', actionId: HOME_ACTIONS.status, value: project.id }),
  } as KnownBlock;
}

function pager(page: number, pages: number): KnownBlock[] {
  const elements = [];
  if (page > 0)
    elements.push(
      button({ text: 'Previous page', actionId: HOME_ACTIONS.previousPage, value: String(page - 1) }),
    );
  if (page < pages - 1)
    elements.push(button({ text: 'Next page', actionId: HOME_ACTIONS.nextPage, value: String(page + 1) }));
  return [{ type: 'actions', elements } as KnownBlock, context(`Page ${page + 1} of ${pages}`)];
}

/** A project's status as sent to a person who asked from App Home: which project, then its status. */
export function renderProjectStatus(project: Project, settings: RenderSettings): RenderedMessage {
  const status = renderView(statusView(project), settings);
  const intro = section(`Status of *${projectLink(project)}* in <#${project.channelId}>`);
  return {
    text: plainFallback(`Status of “${titleOf(project)}”: ${project.phase}`),
    blocks: [intro, ...status.blocks].slice(0, 50),
  };
}
