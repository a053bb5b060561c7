import type { Redis } from 'ioredis';
import { isActive } from '../domain/phases.js';
import { type Project, projectSchema } from '../domain/project.js';
import { viewersOf } from '../domain/project-listing.js';
import type { KeySpace } from './keys.js';
import { loadScript, runScript } from './lua.js';

// KEYS, ARGV and reply are named in src/memory/lua/project-index-record.lua.
const RECORD_SCRIPT = loadScript('project-index-record');

/** Most projects one listing (a person's, a channel's) keeps: App Home pages through them. */
export const LISTING_CAP = 200;

export interface ProjectIndexSettings {
  /** APPROVER_IDS: they see every project of the workspace, as they may decide its gates. */
  approverIds: readonly string[];
  /** How long a finished project's keys are kept (PROJECT_RETENTION_DAYS), in ms. */
  finishedTtlMs: number;
  /** Most projects a listing keeps. Default LISTING_CAP. */
  cap?: number;
}

/**
 * Which projects a person and a conversation have, open and recent, for listings outside the threads
 * (App Home, `/pipewright`). Kept in step as projects are saved (ProjectStore.save calls `record`);
 * reading drops members whose record is gone, so a listing heals after a crash between the two writes.
 */
export class ProjectIndex {
  constructor(
    private readonly redis: Redis,
    private readonly keys: KeySpace,
    private readonly settings: ProjectIndexSettings,
  ) {}

  get approverIds(): readonly string[] {
    return this.settings.approverIds;
  }

  /** Puts the project in its viewers' and its channel's listings (out of them once forgotten). */
  async record(project: Project): Promise<void> {
    const listings = [
      ...viewersOf(project, this.settings.approverIds).map((u) => this.keys.userProjects(project.teamId, u)),
      this.keys.channelProjects(project.teamId, project.channelId),
    ];
    const ttl =
      project.phase === 'forgotten' ? -1 : isActive(project.phase) ? 0 : this.settings.finishedTtlMs;
    await runScript(
      this.redis,
      RECORD_SCRIPT,
      listings.length,
      ...listings,
      project.id,
      ttl,
      this.settings.cap ?? LISTING_CAP,
    );
  }

  /** The projects `userId` sees in workspace `teamId`, in no particular order. */
  forUser(teamId: string, userId: string): Promise<Project[]> {
    return this.read(this.keys.userProjects(teamId, userId));
  }

  /** The projects of one conversation, in no particular order. */
  forChannel(teamId: string, channelId: string): Promise<Project[]> {
    return this.read(this.keys.channelProjects(teamId, channelId));
  }

  private async read(listing: string): Promise<Project[]> {
    const ids = await this.redis.zrange(listing, 0, -1);
    if (ids.length === 0) return [];
    const raws = await this.redis.mget(...ids.map((id) => this.keys.project(id)));
    const projects: Project[] = [];
    const gone: string[] = [];
    ids.forEach((id, i) => {
      const parsed = projectSchema.safeParse(safeJson(raws[i]));
      if (parsed.success && parsed.data.phase !== 'forgotten') projects.push(parsed.data);
      else gone.push(id);
    });
    if (gone.length > 0) await this.redis.zrem(listing, ...gone);
    return projects;
  }
}

function safeJson(raw: string | null | undefined): unknown {
  if (!raw) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
