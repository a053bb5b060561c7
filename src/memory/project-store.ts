import type { Redis } from 'ioredis';
import { z } from 'zod';
import { type Effect, effectSchema } from '../domain/effects.js';
import { RecordCorruptError } from '../domain/errors.js';
import { isActive } from '../domain/phases.js';
import { type Project, projectSchema } from '../domain/project.js';
import { scopeSegment, writeScope } from './agent-memory/scopes.js';
import type { KeySpace } from './keys.js';
import { loadScript, runScript } from './lua.js';
import type { ProjectIndex } from './project-index.js';
import { type LockLease, LockLostError } from './project-lock.js';

const effectsSchema = z.array(effectSchema);

// Writes that hold only while the lock is ours; each file names its KEYS, ARGV and reply (src/memory/lua/).
const SAVE_SCRIPT = loadScript('project-save');
const SET_EFFECTS_SCRIPT = loadScript('project-set-effects');

/** How long a finished project's keys are kept (PROJECT_RETENTION_DAYS), in ms. */
export interface ProjectRetention {
  finishedTtlMs: number;
}

export const DEFAULT_PROJECT_RETENTION: ProjectRetention = { finishedTtlMs: 90 * 24 * 60 * 60 * 1000 };

/** Projects and their not-yet-carried-out effects. Writes of both happen in one MULTI, so neither is half-stored. */
export class ProjectStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: KeySpace,
    private readonly retention: ProjectRetention = DEFAULT_PROJECT_RETENTION,
    /** Listings outside the threads (App Home, `/pipewright`), kept in step with every save. */
    private readonly index?: ProjectIndex,
  ) {}

  async exists(projectId: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.project(projectId))) === 1;
  }

  async get(projectId: string): Promise<Project | undefined> {
    const key = this.keys.project(projectId);
    const raw = await this.redis.get(key);
    if (raw === null) return undefined;
    return parseRecord(key, raw, projectSchema);
  }

  /**
   * The open projects one person asked for in a workspace, for the per-person cap. Members whose record
   * is gone or no longer open (a crash between writes, an expiry) are dropped from the index on the way.
   */
  async openProjects(teamId: string, userId: string): Promise<Project[]> {
    const indexKey = this.keys.openProjectsOf(teamId, userId);
    const ids = await this.redis.smembers(indexKey);
    if (ids.length === 0) return [];
    const raws = await this.redis.mget(...ids.map((id) => this.keys.project(id)));
    const open: Project[] = [];
    const stale: string[] = [];
    ids.forEach((id, i) => {
      const raw = raws[i];
      const parsed = raw ? projectSchema.safeParse(safeJson(raw)) : undefined;
      if (parsed?.success && isActive(parsed.data.phase)) open.push(parsed.data);
      else stale.push(id);
    });
    if (stale.length > 0) await this.redis.srem(indexKey, ...stale);
    return open.sort((a, b) => a.createdAt - b.createdAt);
  }

  async pendingEffects(projectId: string): Promise<Effect[]> {
    const key = this.keys.projectEffects(projectId);
    const raw = await this.redis.get(key);
    return raw === null ? [] : parseRecord(key, raw, effectsSchema);
  }

  /**
   * Stores the project and the effects it still owes in one step, only while `lease` still holds the
   * project's lock (a Lua script, so nothing can come between the check and the writes). A finished
   * project's keys get their TTL in the same step; an active one's lose it.
   */
  async save(project: Project, effects: readonly Effect[], lease: LockLease): Promise<void> {
    const finished = !isActive(project.phase);
    const others = projectKeys(this.keys, project);
    const written = await runScript(
      this.redis,
      SAVE_SCRIPT,
      5 + others.length,
      lease.key,
      this.keys.project(project.id),
      this.keys.projectEffects(project.id),
      this.keys.projects(),
      this.keys.openProjectsOf(project.teamId, project.requesterId),
      ...others,
      lease.token,
      JSON.stringify(project),
      effects.length > 0 ? JSON.stringify(effects) : '',
      project.id,
      finished ? this.retention.finishedTtlMs : 0,
      finished ? '0' : '1',
    );
    if (written !== 1) throw new LockLostError(project.id);
    // After the record: a listing whose member's record is missing drops it when read, never the reverse.
    await this.index?.record(project);
  }

  /** Replaces the list of effects still owed (after some of them ran), while `lease` holds the lock. */
  async setPendingEffects(projectId: string, effects: readonly Effect[], lease: LockLease): Promise<void> {
    const written = await runScript(
      this.redis,
      SET_EFFECTS_SCRIPT,
      2,
      lease.key,
      this.keys.projectEffects(projectId),
      lease.token,
      effects.length > 0 ? JSON.stringify(effects) : '',
    );
    if (written !== 1) throw new LockLostError(projectId);
  }
}

/**
 * Every key of a project besides its record and effects: its thread's records, the deliverable and the
 * steps of every stage attempt it may have stored (attempts 1..current, as `forget` deletes them), and agent memory's
 * index of what it contributed. Lines of queued Slack writes (`projectOutboxLine`) empty on their own.
 */
function projectKeys(keys: KeySpace, project: Project): string[] {
  const deliverables = Object.entries(project.stages).flatMap(([stageId, run]) =>
    Array.from({ length: run.attempt }, (_, i) => [
      keys.deliverable(project.id, stageId, i + 1),
      keys.stageWork(project.id, stageId, i + 1),
    ]).flat(),
  );
  return [
    keys.projectMessages(project.id),
    keys.projectReplies(project.id),
    keys.projectSpend(project.id),
    keys.projectAudit(project.id),
    keys.projectAuditKeys(project.id),
    keys.projectTaskCards(project.id),
    keys.agentMemoryProject(project.teamId, scopeSegment(writeScope(project)), project.id),
    ...deliverables,
  ];
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

export function parseRecord<T>(key: string, raw: string, schema: z.ZodType<T>): T {
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch (err) {
    throw new RecordCorruptError(key, err);
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw new RecordCorruptError(key, parsed.error);
  return parsed.data;
}
