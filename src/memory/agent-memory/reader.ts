import type { Redis } from 'ioredis';
import type { z } from 'zod';
import { ROLE_IDS, type RoleId } from '../../domain/roles.js';
import type { AgentMemoryKeys } from '../keys.js';
import { IMPACT_WEIGHT } from './ranking.js';
import {
  counterSchema,
  historyEntrySchema,
  type Impact,
  type InsightSource,
  insightSourceSchema,
  messageSchema,
  type Priority,
} from './schemas.js';
import type { CorruptItem } from './settings.js';
import type { AgentMessage, Collaborator, HistoryItem, InsightItem } from './shapes.js';

/**
 * Reads one role's memory over the scopes a conversation may read (their keys, its own scope first). Every
 * item is validated with zod; one that does not parse is skipped, counted in `counter` and reported, never
 * a crash.
 */
export class MemoryReader {
  constructor(
    private readonly redis: Redis,
    /** Counts a skipped item in `counter` (when given) and tells the store's `onCorrupt`. */
    private readonly corrupt: (item: CorruptItem, counter?: { n: number }) => void,
  ) {}

  /** Parses JSON and validates; reports and returns undefined when it does not fit. */
  private parse<T>(
    schema: z.ZodType<T>,
    raw: string,
    where: { key: string; field?: string },
    counter: { n: number },
  ): T | undefined {
    let data: unknown;
    try {
      data = JSON.parse(raw);
    } catch {
      this.corrupt({ ...where, reason: 'not JSON' }, counter);
      return undefined;
    }
    const parsed = schema.safeParse(data);
    if (!parsed.success) {
      this.corrupt({ ...where, reason: parsed.error.message }, counter);
      return undefined;
    }
    return parsed.data;
  }

  /** Runs a read; a wrong-typed key counts as corrupt and reads as empty. */
  private async read<T>(key: string, fallback: T, run: () => Promise<T>, counter: { n: number }): Promise<T> {
    try {
      return await run();
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('WRONGTYPE')) {
        this.corrupt({ key, reason: 'wrong type' }, counter);
        return fallback;
      }
      throw err;
    }
  }

  /** The newest `limit` history entries over the scopes, newest first. */
  async readHistory(
    scopes: readonly AgentMemoryKeys[],
    role: RoleId,
    limit: number,
    counter: { n: number },
  ): Promise<HistoryItem[]> {
    const each = await Promise.all(scopes.map((k) => this.readHistoryIn(k, role, limit, counter)));
    return each
      .flat()
      .sort((a, b) => b.provenance.at - a.provenance.at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
      .slice(0, Math.max(0, limit));
  }

  private async readHistoryIn(
    k: AgentMemoryKeys,
    role: RoleId,
    limit: number,
    counter: { n: number },
  ): Promise<HistoryItem[]> {
    if (limit <= 0) return [];
    const zkey = k.history(role);
    const hkey = k.historyEntries(role);
    const ids = await this.read(zkey, [], () => this.redis.zrevrange(zkey, 0, limit - 1), counter);
    if (ids.length === 0) return [];
    const raws = await this.read(hkey, [], () => this.redis.hmget(hkey, ...ids), counter);
    const out: HistoryItem[] = [];
    ids.forEach((id, n) => {
      const raw = raws[n];
      if (raw === null || raw === undefined) return; // trimmed or forgotten in between
      const e = this.parse(historyEntrySchema, raw, { key: hkey, field: id }, counter);
      if (!e || e.role !== role) {
        if (e) this.corrupt({ key: hkey, field: id, reason: `entry of role ${e.role}` }, counter);
        return;
      }
      out.push({
        id: e.id,
        task: e.task,
        outcome: e.outcome,
        keyInsights: e.keyInsights,
        delegations: e.delegations,
        provenance: {
          projectId: e.projectId,
          stageId: e.stageId,
          attempt: e.attempt,
          role: e.role,
          at: e.at,
        },
      });
    });
    return out;
  }

  /** Insights over the scopes; one reported in two scopes is one insight with the reports of both. */
  async readInsights(
    scopes: readonly AgentMemoryKeys[],
    role: RoleId,
    counter: { n: number },
  ): Promise<InsightItem[]> {
    const bySource = new Map<string, InsightSource[]>();
    for (const found of await Promise.all(scopes.map((k) => this.readInsightSources(k, role, counter)))) {
      for (const [id, sources] of found) bySource.set(id, [...(bySource.get(id) ?? []), ...sources]);
    }
    return [...bySource].flatMap(([id, sources]) => (sources.length > 0 ? [insightItem(id, sources)] : []));
  }

  private async readInsightSources(
    k: AgentMemoryKeys,
    role: RoleId,
    counter: { n: number },
  ): Promise<Map<string, InsightSource[]>> {
    const key = k.insights(role);
    const all = await this.read(key, {}, () => this.redis.hgetall(key), counter);
    const out = new Map<string, InsightSource[]>();
    for (const [id, raw] of Object.entries(all)) {
      const sources: InsightSource[] = [];
      for (const line of raw.split('\n')) {
        if (line === '') continue;
        const s = this.parse(insightSourceSchema, line, { key, field: id }, counter);
        if (s) sources.push(s);
      }
      out.set(id, sources);
    }
    return out;
  }

  /** Unread messages over the scopes: high priority first, then newest. */
  async readInbox(
    scopes: readonly AgentMemoryKeys[],
    role: RoleId,
    now: number,
    counter: { n: number },
  ): Promise<AgentMessage[]> {
    const each = await Promise.all(scopes.map((k) => this.readInboxIn(k, role, now, counter)));
    const rank: Record<Priority, number> = { high: 0, normal: 1, low: 2 };
    return each
      .flat()
      .sort((a, b) => rank[a.priority] - rank[b.priority] || b.provenance.at - a.provenance.at);
  }

  private async readInboxIn(
    k: AgentMemoryKeys,
    role: RoleId,
    now: number,
    counter: { n: number },
  ): Promise<AgentMessage[]> {
    const key = k.inbox(role);
    const nowMs = Math.floor(now);
    const ids = await this.read(
      key,
      [],
      async () => {
        // Expired messages leave the unread list here too, not only when someone writes.
        const replies = await this.redis
          .multi()
          .zremrangebyscore(key, '-inf', nowMs)
          .zrangebyscore(key, `(${nowMs}`, '+inf')
          .exec();
        for (const [err] of replies ?? []) if (err) throw err;
        const listed = replies?.[1]?.[1];
        return Array.isArray(listed) ? listed.filter((id): id is string => typeof id === 'string') : [];
      },
      counter,
    );
    if (ids.length === 0) return [];
    const raws = await this.redis.mget(...ids.map((id) => k.body(id)));
    const out: AgentMessage[] = [];
    ids.forEach((id, n) => {
      const raw = raws[n];
      if (raw === null || raw === undefined) return; // expired or forgotten
      const m = this.parse(messageSchema, raw, { key: k.body(id) }, counter);
      if (!m || m.expiresAt <= now) return;
      out.push({
        id: m.id,
        from: m.from,
        to: m.to,
        type: m.type,
        priority: m.priority,
        text: m.text,
        expiresAt: m.expiresAt,
        provenance: {
          projectId: m.projectId,
          stageId: m.stageId,
          attempt: m.attempt,
          role: m.role,
          at: m.at,
        },
      });
    });
    return out;
  }

  /** Collaboration records over the scopes, summed per role: most tasks together first. */
  async readCollaborators(
    scopes: readonly AgentMemoryKeys[],
    role: RoleId,
    counter: { n: number },
  ): Promise<Collaborator[]> {
    const byRole = new Map<RoleId, Collaborator>();
    for (const found of await Promise.all(scopes.map((k) => this.readCollaboratorsIn(k, role, counter)))) {
      for (const c of found) {
        const seen = byRole.get(c.role);
        if (!seen) {
          byRole.set(c.role, { ...c, taskTypes: { ...c.taskTypes } });
          continue;
        }
        seen.tasks += c.tasks;
        seen.successes += c.successes;
        for (const [type, n] of Object.entries(c.taskTypes))
          seen.taskTypes[type] = (seen.taskTypes[type] ?? 0) + n;
      }
    }
    return [...byRole.values()].sort((a, b) => b.tasks - a.tasks || (a.role < b.role ? -1 : 1));
  }

  private async readCollaboratorsIn(
    k: AgentMemoryKeys,
    role: RoleId,
    counter: { n: number },
  ): Promise<Collaborator[]> {
    const others = ROLE_IDS.filter((r) => r !== role);
    const pipeline = this.redis.pipeline();
    for (const r of others) pipeline.hgetall(k.collab(role, r));
    const replies = (await pipeline.exec()) ?? [];
    const out: Collaborator[] = [];
    others.forEach((other, n) => {
      const key = k.collab(role, other);
      const [err, value] = replies[n] ?? [null, {}];
      if (err) {
        this.corrupt({ key, reason: err.message }, counter);
        return;
      }
      const hash = (value ?? {}) as Record<string, string>;
      if (Object.keys(hash).length === 0) return;
      const tasks = counterSchema.safeParse(hash.tasks ?? '0');
      const successes = counterSchema.safeParse(hash.successes ?? '0');
      if (!tasks.success || !successes.success) {
        this.corrupt({ key, reason: 'counters are not integers' }, counter);
        return;
      }
      const taskTypes: Record<string, number> = {};
      for (const [field, v] of Object.entries(hash)) {
        if (!field.startsWith('type:')) continue;
        const c = counterSchema.safeParse(v);
        if (c.success && c.data > 0) taskTypes[field.slice(5)] = c.data;
      }
      if (tasks.data > 0) out.push({ role: other, tasks: tasks.data, successes: successes.data, taskTypes });
    });
    return out.sort((a, b) => b.tasks - a.tasks || (a.role < b.role ? -1 : 1));
  }
}

/** An insight as remembered, from its reports (at least one): the latest wording, the strongest claim. */
function insightItem(id: string, reports: readonly InsightSource[]): InsightItem {
  const sources = [...reports].sort((a, b) => b.at - a.at);
  const latest = sources[0] as InsightSource;
  let impact: Impact = 'low';
  let confidence = 0;
  const tags = new Set<string>();
  for (const s of sources) {
    if (IMPACT_WEIGHT[s.impact] > IMPACT_WEIGHT[impact]) impact = s.impact;
    confidence = Math.max(confidence, s.confidence);
    for (const t of s.tags) tags.add(t);
  }
  return {
    id,
    insight: latest.insight,
    area: latest.area,
    impact,
    confidence,
    tags: [...tags],
    projects: new Set(sources.map((s) => s.projectId)).size,
    firstAt: Math.min(...sources.map((s) => s.at)),
    lastAt: latest.at,
    sources: sources.map((s) => ({
      projectId: s.projectId,
      stageId: s.stageId,
      attempt: s.attempt,
      role: s.role,
      at: s.at,
    })),
  };
}
