import type { webApi } from '@slack/bolt';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { KeySpace } from '../../memory/keys.js';
import { type HomeRefreshJob, QUEUE_NAMES } from '../../memory/queues.js';
import { type HomeDeps, publishHome } from './publish.js';

/**
 * Runs the App Home refreshes the schedule asked for: each marks its start (so a change from now on asks
 * for a later one) and publishes the person's Home as it is now, at the page they last turned to.
 * A few at once: views.publish is Tier 4 (100+ a minute per workspace), and Bolt's client waits out a 429.
 */
export function startHomeRefreshWorker(
  deps: HomeDeps & { connection: Redis; keys: KeySpace; client: webApi.WebClient },
): Worker<HomeRefreshJob> {
  const worker = new Worker<HomeRefreshJob>(
    QUEUE_NAMES.homeRefresh,
    async (job) => {
      const { teamId, userId } = job.data;
      await deps.schedule.begin(teamId, userId);
      await publishHome(deps, deps.client, teamId, userId);
    },
    { connection: deps.connection, prefix: deps.keys.bull, concurrency: 4 },
  );
  worker.on('error', (err) => deps.logger.error({ err }, 'home refresh worker error'));
  worker.on('failed', (job, err) =>
    deps.logger.warn({ err, userId: job?.data.userId }, 'could not refresh a person’s App Home'),
  );
  return worker;
}
