import type { Redis } from 'ioredis';
import { type AuditEntry, auditEntrySchema } from '../domain/audit.js';
import type { KeySpace } from './keys.js';
import { loadScript, runScript } from './lua.js';
import { DEFAULT_PROJECT_RETENTION, type ProjectRetention } from './project-store.js';

/** About how many entries one project's audit stream keeps (MAXLEN ~): far more than a run makes. */
export const AUDIT_MAXLEN = 1000;

const APPEND_SCRIPT = loadScript('audit-append');

/** One project's audit trail as read back: entries oldest first, and how many the stream holds. */
export interface AuditPage {
  entries: AuditEntry[];
  total: number;
}

/**
 * A project's audit trail, a Redis stream per project (`KeySpace.projectAudit`). Entries are written by the
 * orchestrator's engine when it carries out a transition's `audit` effects: the engine applies each event
 * once (its applied-events record), and the append script skips a key already written, so the replay of
 * owed effects after a crash writes nothing twice. Kept as long as the project (its TTL), bounded in length.
 */
export class AuditLog {
  constructor(
    private readonly redis: Redis,
    private readonly keys: KeySpace,
    private readonly retention: ProjectRetention = DEFAULT_PROJECT_RETENTION,
    private readonly maxLen: number = AUDIT_MAXLEN,
  ) {}

  /** Appends `entry` under `key` unless that key was written already; true when it was written now. */
  async append(projectId: string, key: string, entry: AuditEntry): Promise<boolean> {
    const written = await runScript(
      this.redis,
      APPEND_SCRIPT,
      3,
      this.keys.projectAudit(projectId),
      this.keys.project(projectId),
      this.keys.projectAuditKeys(projectId),
      this.retention.finishedTtlMs,
      this.maxLen,
      key,
      JSON.stringify(entry),
    );
    return written === 1;
  }

  /** The latest `count` entries, oldest first, and how many there are. Unreadable entries are skipped. */
  async latest(projectId: string, count: number): Promise<AuditPage> {
    const key = this.keys.projectAudit(projectId);
    const [rows, total] = await Promise.all([
      this.redis.xrevrange(key, '+', '-', 'COUNT', count),
      this.redis.xlen(key),
    ]);
    return { entries: parseRows(rows).reverse(), total };
  }

  /** Every entry the stream holds (at most about `AUDIT_MAXLEN`), oldest first: the report's trail. */
  async all(projectId: string): Promise<AuditEntry[]> {
    return parseRows(await this.redis.xrange(this.keys.projectAudit(projectId), '-', '+'));
  }
}

function parseRows(rows: Array<[id: string, fields: string[]]>): AuditEntry[] {
  const entries: AuditEntry[] = [];
  for (const [, fields] of rows) {
    const at = fields.indexOf('entry');
    const raw = at >= 0 && at % 2 === 0 ? fields[at + 1] : undefined;
    const parsed = raw === undefined ? undefined : auditEntrySchema.safeParse(safeJson(raw));
    if (parsed?.success) entries.push(parsed.data);
  }
  return entries;
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
