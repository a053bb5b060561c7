import type { Logger } from 'pino';
import { runningStageIds, withStageProgress } from '../../domain/stage-progress.js';
import type { StatusView, View } from '../../domain/views.js';
import type { OutboxDeps } from './deps.js';

/**
 * A status as it is about to be shown, with how far each running stage is (read from Redis now, not when
 * the status was queued). Any other view, or a status with nothing running, goes through untouched; a
 * read that fails costs the status its progress, never the message.
 */
export async function withLiveProgress<V extends View>(
  deps: Pick<OutboxDeps, 'stageProgress'>,
  log: Logger,
  projectId: string,
  view: V,
): Promise<V> {
  if (view.type !== 'status' || !deps.stageProgress) return view;
  const status = view as StatusView;
  const running = runningStageIds(status);
  if (running.length === 0) return view;
  try {
    return withStageProgress(status, await deps.stageProgress.read(projectId, running)) as V;
  } catch (err) {
    log.warn({ err, projectId }, 'could not read stage progress; the status goes without it');
    return view;
  }
}
