import { messageRoutes } from './message-routes.js';
import { pageRoutes } from './page-routes.js';
import type { PlaygroundRoute, PlaygroundRouteDeps } from './route-kit.js';
import { viewRoutes } from './view-routes.js';

/**
 * The playground page's HTTP routes, served beside `/slack/events` on the app's own port. People's
 * messages are stored in the workspace as Slack stores them and then reach the Bolt app as signed events;
 * clicks reach it as signed `block_actions`, exactly as they would from Slack.
 */

export type { PlaygroundRoute, PlaygroundRouteDeps } from './route-kit.js';

export function playgroundRoutes(deps: PlaygroundRouteDeps): PlaygroundRoute[] {
  return [...pageRoutes(deps), ...messageRoutes(deps), ...viewRoutes(deps)];
}
