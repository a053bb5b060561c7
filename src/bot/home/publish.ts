import type { webApi } from '@slack/bolt';
import type { Logger } from 'pino';
import { viewersOf } from '../../domain/project-listing.js';
import type { HomeRefreshSchedule } from '../../memory/home-refresh.js';
import type { ProjectIndex } from '../../memory/project-index.js';
import type { ProjectStore } from '../../memory/project-store.js';
import { buildHomeView } from '../views/home.js';

/** What App Home needs: the listings, the refresh schedule, and who the approvers are. */
export interface HomeDeps {
  index: ProjectIndex;
  projects: ProjectStore;
  schedule: HomeRefreshSchedule;
  approverIds: readonly string[];
  logger: Logger;
}

/**
 * Publishes one person's App Home at `page` (their remembered page when not given). Returns the page
 * shown, which is the last one when fewer projects remain than the page needs.
 */
export async function publishHome(
  deps: HomeDeps,
  client: webApi.WebClient,
  teamId: string,
  userId: string,
  page?: number,
): Promise<number> {
  const [projects, remembered] = await Promise.all([
    deps.index.forUser(teamId, userId),
    page === undefined ? deps.schedule.page(teamId, userId) : Promise.resolve(page),
  ]);
  const built = buildHomeView({ userId, projects, approverIds: deps.approverIds, page: remembered });
  // The view's JSON is typed by Bolt as a union of every surface; ours is a valid home view.
  await client.views.publish({ user_id: userId, view: built.view as unknown as webApi.HomeView });
  return built.page;
}

/**
 * A project changed (the outbox just wrote to its thread): the App Home of everyone who sees it is
 * refreshed, spaced per person (memory/home-refresh.ts).
 */
export async function projectChanged(deps: HomeDeps, projectId: string): Promise<void> {
  const project = await deps.projects.get(projectId);
  if (!project) return;
  await deps.schedule.request(project.teamId, viewersOf(project, deps.approverIds));
}
