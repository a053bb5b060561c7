import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { PipewrightError } from '../domain/errors.js';
import type { KeySpace } from './keys.js';
import { loadScript, runScript } from './lua.js';

/** Long enough for one orchestrator step (Redis and queue writes only, never a model call). */
export const PROJECT_LOCK_TTL_MS = 30_000;

/** Tries (2–5 ms apart, about 100 ms in all) before a busy project sends the event back to the queue. */
const LOCK_WAIT_TRIES = 30;

// Deletes the lock only if we still own it: one that expired and was taken by another process stays theirs.
const RELEASE_SCRIPT = loadScript('project-lock-release');

export class ProjectBusyError extends PipewrightError {
  constructor(projectId: string) {
    super('project_busy', `project ${projectId} is being updated by another step`, {
      fault: 'system',
      retryable: true,
    });
    this.name = 'ProjectBusyError';
  }
}

/** Proof of holding a project's lock; writes check it so an expired holder can never overwrite a newer one. */
export interface LockLease {
  key: string;
  token: string;
}

export class LockLostError extends PipewrightError {
  constructor(projectId: string) {
    super('project_busy', `lost the lock on project ${projectId} before writing`, {
      fault: 'system',
      retryable: true,
    });
    this.name = 'LockLostError';
  }
}

/** Runs `fn` while holding the project's lock; throws ProjectBusyError at once if another holder has it. */
export async function withProjectLock<T>(
  redis: Redis,
  keys: KeySpace,
  projectId: string,
  fn: (lease: LockLease) => Promise<T>,
): Promise<T> {
  const key = keys.projectLock(projectId);
  const token = randomUUID();
  // A step holds the lock for a few ms: wait that out here rather than sending the job back to the queue.
  let acquired = await redis.set(key, token, 'PX', PROJECT_LOCK_TTL_MS, 'NX');
  for (let tries = 0; acquired !== 'OK' && tries < LOCK_WAIT_TRIES; tries++) {
    await sleep(2 + Math.random() * 3);
    acquired = await redis.set(key, token, 'PX', PROJECT_LOCK_TTL_MS, 'NX');
  }
  if (acquired !== 'OK') throw new ProjectBusyError(projectId);
  try {
    return await fn({ key, token });
  } finally {
    await runScript(redis, RELEASE_SCRIPT, 1, key, token);
  }
}
