import type { Redis } from 'ioredis';
import { z } from 'zod';
import { RecordCorruptError } from '../errors.js';
import { type Effect, effectSchema } from '../orchestrator/effects.js';
import { ACTIVE_PHASES, type Project, projectSchema } from '../orchestrator/project.js';
import type { KeySpace } from './keys.js';
import { runScript } from './lua.js';
import { type LockLease, LockLostError } from './project-lock.js';

const effectsSchema = z.array(effectSchema);

// KEYS: lock, project, effects, project set, the requester's open projects.
// ARGV: lock token, project JSON, effects JSON ('' = none), id, '1' when the project is open.
const SAVE_SCRIPT = `
if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('set', KEYS[2], ARGV[2])
if ARGV[3] == '' then redis.call('del', KEYS[3]) else redis.call('set', KEYS[3], ARGV[3]) end
redis.call('sadd', KEYS[4], ARGV[4])
if ARGV[5] == '1' then redis.call('sadd', KEYS[5], ARGV[4]) else redis.call('srem', KEYS[5], ARGV[4]) end
return 1`;

// KEYS: lock, effects. ARGV: lock token, effects JSON ('' = none).
const SET_EFFECTS_SCRIPT = `
if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '' then redis.call('del', KEYS[2]) else redis.call('set', KEYS[2], ARGV[2]) end
return 1`;

/** Projects and their not-yet-carried-out effects. Writes of both happen in one MULTI, so neither is half-stored. */
export class ProjectStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: KeySpace,
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
      if (parsed?.success && ACTIVE_PHASES.includes(parsed.data.phase)) open.push(parsed.data);
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
   * project's lock (a Lua script, so nothing can come between the check and the writes).
   */
  async save(project: Project, effects: readonly Effect[], lease: LockLease): Promise<void> {
    const written = await runScript(
      this.redis,
      SAVE_SCRIPT,
      5,
      lease.key,
      this.keys.project(project.id),
      this.keys.projectEffects(project.id),
      this.keys.projects(),
      this.keys.openProjectsOf(project.teamId, project.requesterId),
      lease.token,
      JSON.stringify(project),
      effects.length > 0 ? JSON.stringify(effects) : '',
      project.id,
      ACTIVE_PHASES.includes(project.phase) ? '1' : '0',
    );
    if (written !== 1) throw new LockLostError(project.id);
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
