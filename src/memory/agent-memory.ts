import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { ConfigError, PipewrightError } from '../domain/errors.js';
import { ROLE_IDS, type RoleId } from '../domain/roles.js';
import { loadScript, runScript } from './lua.js';

/**
 * What the specialist agents remember, per Slack workspace (team id) and per role, so they get better from
 * project to project inside one workspace. Nothing is shared across workspaces: every key carries the team
 * id, and no read ever spans two teams.
 *
 * Memory follows Slack's visibility (`Conversation`): what a project in a public channel contributes goes to
 * its workspace's `public` scope; what a project in a private channel or a DM contributes goes to that
 * conversation's `private:<channel>` scope. A project in a public channel recalls the public scope only; one
 * in a private conversation recalls its own scope and the public one (`readScopes`). Every read and write
 * below is within those scopes, `memory <role>` (`describeRole`) included.
 *
 * Per (team, scope, role): the task history (newest `historyCap` kept), insights (deduplicated by normalised
 * text, each keeping the provenance of every stage that reported it; at most `insightCap`, lowest retention
 * value dropped first), and an inbox of unread messages from other roles (expiring after `messageTtlMs`). Per
 * team, scope and pair of roles: a collaboration record (tasks together, successes, task types: stage names
 * can say what a private project is about, so they stay in its scope too). Per team, scope and project: an
 * index of everything the project contributed, so `forgetProject` deletes exactly that without scanning.
 *
 * Writes: `recordStageOutcome` is ONE Lua script that writes the stage's deliverable (SET NX, the
 * idempotency marker) together with every memory change of that stage, and only while the project record
 * says the result is still wanted (not forgotten, not cancelled): a forget stored a moment before cannot be
 * undone by a stage finishing a moment after. The script validates its whole payload and the type of every
 * key it will touch before its first write: Redis does not roll back a script that fails half-way, so
 * nothing that can fail is left for after the first write, and a bad argument aborts it with nothing
 * written. A wrong-typed memory key (or a non-integer counter) found by those checks must not block a stage
 * forever: it is deleted and rebuilt, and counted in `repairedKeys`. Counters use HINCRBY and lists are
 * trimmed inside the script, so parallel stages in different processes lose no update.
 *
 * Standalone Redis only, like the rest of Pipewright: the record script's deliverable and project keys and
 * the keys the forget script derives from its index are not in one cluster hash slot.
 *
 * Reads validate every item with zod; an item that does not parse is skipped (and reported to `onCorrupt`),
 * never a crash. Time comes from the injectable `now` (epoch ms), as in circuit-breaker.ts.
 *
 * All key patterns with what they hold and how long they live: `agentMemoryKeyPatterns(prefix)`.
 */

// ---------------------------------------------------------------------------------------------------------
// Settings

export interface AgentMemorySettings {
  /** History entries kept per (team, role); the oldest (by `at`) go first. Default 50. */
  historyCap: number;
  /** Insights kept per (team, role); the lowest retention value goes first (see `retentionValue`). Default 200. */
  insightCap: number;
  /** Provenance entries kept per insight (the earliest reports go first). Default 10. */
  maxSourcesPerInsight: number;
  /** How long a message stays readable, in ms. Default 14 days. */
  messageTtlMs: number;
  /** Unread messages kept per (team, role); the ones closest to expiry go first. Default 100. */
  maxUnreadPerRole: number;
  /** The clock (epoch ms): message expiry and recency are judged by it. */
  now: () => number;
  /** Told about every stored item that failed validation and was skipped. */
  onCorrupt?: (item: CorruptItem) => void;
}

export interface CorruptItem {
  key: string;
  /** Hash field or member, when the item is one part of the key. */
  field?: string;
  reason: string;
}

export const DEFAULT_AGENT_MEMORY_SETTINGS: Readonly<Omit<AgentMemorySettings, 'now' | 'onCorrupt'>> = {
  historyCap: 50,
  insightCap: 200,
  maxSourcesPerInsight: 10,
  messageTtlMs: 14 * 24 * 60 * 60 * 1000,
  maxUnreadPerRole: 100,
};

const settingsSchema = z.object({
  historyCap: z.number().int().positive().max(10_000),
  insightCap: z.number().int().positive().max(10_000),
  maxSourcesPerInsight: z.number().int().positive().max(1_000),
  messageTtlMs: z.number().int().positive(),
  maxUnreadPerRole: z.number().int().positive().max(10_000),
});

/** Input limits: longer text is cut, longer lists keep their first items (memory must never fail a stage). */
export const AGENT_MEMORY_LIMITS = {
  taskChars: 2_000,
  insightChars: 1_000,
  areaChars: 100,
  messageChars: 2_000,
  listItemChars: 300,
  tagChars: 40,
  taskTypeChars: 64,
  insightsPerRecord: 20,
  messagesPerRecord: 10,
  tagsPerInsight: 12,
  keyInsightsPerRecord: 10,
  delegationsPerRecord: 10,
  readIdsPerRecord: 500,
} as const;

// ---------------------------------------------------------------------------------------------------------
// Keys

/** One entry per key pattern this module writes; for keys.ts and the README's "Redis keys" table. */
export interface KeyPatternDoc {
  pattern: string;
  type: 'string' | 'hash' | 'zset';
  holds: string;
  lives: string;
}

/**
 * Every key pattern agent memory writes under `prefix`, with what it holds and its lifetime. `<scope>` is
 * `public` (learned in the workspace's public channels) or `private:<channel>` (learned in that private
 * channel or DM).
 */
export function agentMemoryKeyPatterns(prefix = 'pw'): KeyPatternDoc[] {
  const mem = `${prefix}:mem:<team>:<scope>`;
  const msg = `${prefix}:msg:<team>:<scope>`;
  return [
    {
      pattern: `${mem}:role:<role>:history`,
      type: 'zset',
      holds:
        "a role's task history in this scope: record id (`<project>:<stage>:<attempt>`) scored by its time (ms)",
      lives: 'newest `historyCap` (50) kept; entries of a forgotten project are removed; no TTL',
    },
    {
      pattern: `${mem}:role:<role>:history:entries`,
      type: 'hash',
      holds: 'record id → history entry JSON (task, outcome, key insights, delegations, provenance)',
      lives: 'trimmed together with `…:history`; no TTL',
    },
    {
      pattern: `${mem}:role:<role>:insights`,
      type: 'hash',
      holds:
        'insight id (hash of the normalised text) → one JSON line per report: text, area, impact, confidence, tags, provenance',
      lives:
        'at most `insightCap` (200) per role and scope, lowest retention value dropped first; at most `maxSourcesPerInsight` (10) reports per insight; no TTL',
    },
    {
      pattern: `${mem}:role:<role>:insights:rank`,
      type: 'zset',
      holds:
        'insight id scored by retention value (impact × confidence × projects), then recency: picks what a cap drops',
      lives: 'kept in step with `…:insights`; no TTL',
    },
    {
      pattern: `${mem}:collab:<roleA>:<roleB>`,
      type: 'hash',
      holds: 'collaboration of two roles (names sorted): `tasks`, `successes`, `type:<task type>` counts',
      lives: 'no TTL; a forgotten project’s counts are subtracted and the key is deleted at zero tasks',
    },
    {
      pattern: `${mem}:project:<project>`,
      type: 'hash',
      holds:
        'record id → what that stage contributed (history id, insight ids, message ids and recipients, collaboration counts)',
      lives: 'until `forgetProject` for that project, which uses and deletes it; no TTL',
    },
    {
      pattern: `${msg}:inbox:<role>`,
      type: 'zset',
      holds: "a role's unread messages in this scope: message id scored by its expiry time (ms)",
      lives:
        'a message leaves when read (by `recordStageOutcome`), expired, forgotten, or over `maxUnreadPerRole` (100); the key expires `messageTtlMs` (14 days) after its last new message',
    },
    {
      pattern: `${msg}:body:<message>`,
      type: 'string',
      holds:
        'one message JSON (from, to, type, priority, text, provenance, expiresAt); shared by every recipient of a message to `all`',
      lives: '`messageTtlMs` (14 days), or until its project is forgotten',
    },
  ];
}

// ---------------------------------------------------------------------------------------------------------
// Scopes

/** Who can read a conversation (the project's `visibility`, from Slack's channel type). */
export type Visibility = 'public' | 'private';

/** Where a project lives in Slack: decides where what it learns is kept and what it may recall. */
export interface Conversation {
  teamId: string;
  channelId: string;
  visibility: Visibility;
}

/**
 * One part of a workspace's memory. `public`: learned in the workspace's public channels, for every channel
 * of the workspace. `private`: learned in one private channel or DM, for that conversation only.
 */
export type MemoryScope = { kind: 'public' } | { kind: 'private'; channelId: string };

/** Where a project's history, insights, messages and collaboration records are kept. */
export function writeScope(c: Pick<Conversation, 'channelId' | 'visibility'>): MemoryScope {
  return c.visibility === 'public' ? { kind: 'public' } : { kind: 'private', channelId: c.channelId };
}

/**
 * What a project (or `memory <role>` in its thread) may read: in a public channel the public scope only; in a
 * private channel or DM its own scope and the public one (a private conversation may use what is public).
 */
export function readScopes(c: Pick<Conversation, 'channelId' | 'visibility'>): MemoryScope[] {
  const own = writeScope(c);
  return own.kind === 'public' ? [own] : [own, { kind: 'public' }];
}

/** How a scope reads in its keys: `public`, or `private:<channel>`. */
export function scopeSegment(scope: MemoryScope): string {
  switch (scope.kind) {
    case 'public':
      return 'public';
    case 'private':
      return `private:${scope.channelId}`;
  }
}

class MemoryKeys {
  readonly mem: string;
  readonly msg: string;
  /** `segment` '' is the layout from before scopes (`<prefix>:mem:<team>:…`): only `forgetProject` reads it. */
  private constructor(prefix: string, teamId: string, segment: string) {
    const tail = segment === '' ? '' : `:${segment}`;
    this.mem = `${prefix}:mem:${teamId}${tail}`;
    this.msg = `${prefix}:msg:${teamId}${tail}`;
  }
  static of(prefix: string, teamId: string, scope: MemoryScope): MemoryKeys {
    return new MemoryKeys(prefix, teamId, scopeSegment(scope));
  }
  static beforeScopes(prefix: string, teamId: string): MemoryKeys {
    return new MemoryKeys(prefix, teamId, '');
  }
  history(role: RoleId): string {
    return `${this.mem}:role:${role}:history`;
  }
  historyEntries(role: RoleId): string {
    return `${this.mem}:role:${role}:history:entries`;
  }
  insights(role: RoleId): string {
    return `${this.mem}:role:${role}:insights`;
  }
  insightRank(role: RoleId): string {
    return `${this.mem}:role:${role}:insights:rank`;
  }
  collab(a: RoleId, b: RoleId): string {
    return `${this.mem}:collab:${pairOf(a, b)}`;
  }
  project(projectId: string): string {
    return `${this.mem}:project:${projectId}`;
  }
  inbox(role: RoleId): string {
    return `${this.msg}:inbox:${role}`;
  }
  body(messageId: string): string {
    return `${this.msg}:body:${messageId}`;
  }
}

/** The two roles of a collaboration in a fixed order, so both directions share one record. */
function pairOf(a: RoleId, b: RoleId): string {
  return a < b ? `${a}:${b}` : `${b}:${a}`;
}

// ---------------------------------------------------------------------------------------------------------
// Records as stored (validated on every read)

const IMPACTS = ['low', 'medium', 'high'] as const;
export type Impact = (typeof IMPACTS)[number];
const OUTCOMES = ['success', 'partial', 'failure'] as const;
export type Outcome = (typeof OUTCOMES)[number];
const MESSAGE_TYPES = ['insight', 'warning', 'request'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];
const PRIORITIES = ['low', 'normal', 'high'] as const;
export type Priority = (typeof PRIORITIES)[number];

const roleSchema = z.enum(ROLE_IDS);
const epochSchema = z.number().int().nonnegative();

/** Where a memory item came from. `role` is the role whose stage wrote it. */
export interface Provenance {
  projectId: string;
  stageId: string;
  attempt: number;
  role: RoleId;
  at: number;
}

const provenanceShape = {
  projectId: z.string().min(1),
  stageId: z.string().min(1),
  attempt: z.number().int().nonnegative(),
  role: roleSchema,
  at: epochSchema,
};

const historyEntrySchema = z.object({
  id: z.string().min(1),
  ...provenanceShape,
  task: z.string(),
  outcome: z.enum(OUTCOMES),
  keyInsights: z.array(z.string()),
  delegations: z.array(z.string()),
});
export type HistoryEntry = z.infer<typeof historyEntrySchema>;

/** One report of an insight: one JSON line in the insight's hash field. */
const insightSourceSchema = z.object({
  recordId: z.string().min(1),
  ...provenanceShape,
  area: z.string(),
  insight: z.string().min(1),
  impact: z.enum(IMPACTS),
  confidence: z.number().min(0).max(1),
  tags: z.array(z.string()),
});
type InsightSource = z.infer<typeof insightSourceSchema>;

const messageSchema = z.object({
  id: z.string().min(1),
  ...provenanceShape,
  from: roleSchema,
  to: z.union([roleSchema, z.literal('all')]),
  type: z.enum(MESSAGE_TYPES),
  priority: z.enum(PRIORITIES),
  text: z.string(),
  expiresAt: epochSchema,
});
type StoredMessage = z.infer<typeof messageSchema>;

const contributionSchema = z.object({
  recordId: z.string(),
  role: roleSchema,
  insights: z.array(z.string()),
  messages: z.array(z.object({ id: z.string(), to: z.array(roleSchema) })),
  collab: z.object({ pairs: z.array(z.string()), success: z.boolean(), taskTypeField: z.string() }),
});
type Contribution = z.infer<typeof contributionSchema>;

const counterSchema = z
  .string()
  .regex(/^-?\d+$/)
  .transform(Number);

// ---------------------------------------------------------------------------------------------------------
// Public shapes

export interface HistoryItem {
  id: string;
  task: string;
  outcome: Outcome;
  keyInsights: string[];
  delegations: string[];
  provenance: Provenance;
}

/** An insight as remembered: the latest wording, the strongest claim, and every report's provenance. */
export interface InsightItem {
  /** Hash of the normalised text (`insightId`). */
  id: string;
  /** Wording and area of the most recent report. */
  insight: string;
  area: string;
  /** Highest impact and confidence any report gave. */
  impact: Impact;
  confidence: number;
  /** Union of every report's tags, normalised (`normalizeTerm`). */
  tags: string[];
  /** Distinct projects that reported it. */
  projects: number;
  firstAt: number;
  lastAt: number;
  /** Every kept report, most recent first. */
  sources: Provenance[];
}

export interface RankedInsight extends InsightItem {
  score: number;
  relevance: number;
  matchedTags: string[];
  matchedWords: string[];
}

export interface AgentMessage {
  id: string;
  from: RoleId;
  to: RoleId | 'all';
  type: MessageType;
  priority: Priority;
  text: string;
  expiresAt: number;
  provenance: Provenance;
}

export interface RecallLimits {
  /** Most recent history entries. Default 5. */
  history: number;
  /** Top-ranked insights. Default 10. */
  insights: number;
  /** Unread messages (high priority first, then newest). Default 10. */
  messages: number;
}

export const DEFAULT_RECALL_LIMITS: Readonly<RecallLimits> = { history: 5, insights: 10, messages: 10 };

export interface Recall {
  history: HistoryItem[];
  insights: RankedInsight[];
  /** Unread, NOT marked read: pass their ids as `readMessageIds` to `recordStageOutcome`. */
  messages: AgentMessage[];
  /** Stored items that failed validation and were skipped. */
  corrupt: number;
}

export interface Collaborator {
  role: RoleId;
  tasks: number;
  successes: number;
  taskTypes: Record<string, number>;
}

export interface RoleMemory {
  teamId: string;
  role: RoleId;
  /** What was read: the public scope in a public channel; the conversation's own and the public in a private one. */
  scopes: MemoryScope[];
  counts: {
    history: number;
    insights: number;
    unreadMessages: number;
    /** Over the kept history. */
    outcomes: Record<Outcome, number>;
  };
  recentHistory: HistoryItem[];
  /** Ranked without project context: by value (impact, confidence, recency, corroboration). */
  topInsights: RankedInsight[];
  /** Most tasks together first. */
  collaborators: Collaborator[];
  unreadMessages: AgentMessage[];
  corrupt: number;
}

export interface StageOutcomeInput extends Conversation {
  projectId: string;
  stageId: string;
  attempt: number;
  role: RoleId;
  /**
   * The project record (keys.ts `project`, JSON with a `phase`): nothing at all is written unless it exists
   * and its phase is not one of `closedPhases`, checked inside the script that writes.
   */
  projectGuard: { key: string; closedPhases: readonly string[] };
  /** The stage's deliverable key (keys.ts `deliverable`) and JSON: written with SET NX by the same script. */
  deliverableKey: string;
  deliverableJson: string;
  history: { task: string; outcome: Outcome; keyInsights: string[]; delegations: string[]; at: number };
  insights: Array<{ area: string; insight: string; impact: Impact; confidence: number; tags: string[] }>;
  messages: Array<{ to: RoleId | 'all'; type: MessageType; priority: Priority; text: string }>;
  /** Roles whose output this stage read. The stage's own role is ignored. */
  collaborators: RoleId[];
  success: boolean;
  taskType: string;
  /** Messages the stage was shown (from `recall`): removed from this role's unread list. */
  readMessageIds: string[];
}

export type RecordResult =
  | {
      status: 'recorded';
      /** Wrong-typed memory keys the script found, deleted and rebuilt (corruption). */
      repairedKeys: number;
    }
  /** The deliverable already existed (an earlier try recorded it): nothing at all was written. */
  | { status: 'duplicate' }
  /**
   * The project no longer wants the result: its phase is one of the guard's closed phases, or `missing`
   * (no record) or `unreadable` (not JSON with a phase). Nothing at all was written.
   */
  | { status: 'project_closed'; phase: string };

export interface ForgetResult {
  /** Stage records of the project found in its index. */
  records: number;
  history: number;
  /** Insights only this project had reported: deleted. */
  insightsDeleted: number;
  /** Insights other projects also reported: kept, without this project's reports. */
  insightsUnlinked: number;
  /** Messages it sent that were still stored. */
  messages: number;
  /** Collaboration task records subtracted from pair counters. */
  collaborations: number;
  /** Index entries that did not parse (their items could not be located). */
  corrupt: number;
}

// ---------------------------------------------------------------------------------------------------------
// Pure helpers: normalisation, ranking, budget

/** Canonical form of a tag or project term: lower case, letters, digits, `+` and `#` only ("Real-Time" → "realtime"). */
export function normalizeTerm(term: string): string {
  return term
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}+#]/gu, '');
}

function words(text: string): string[] {
  return text
    .normalize('NFKD')
    .toLowerCase()
    .split(/[^\p{L}\p{N}+#]+/u)
    .filter((w) => w.length > 0);
}

/** Text as used for deduplication: lower case, punctuation and repeated spaces gone. */
export function normalizeInsightText(text: string): string {
  return words(text).join(' ');
}

/** Insights of one role with the same normalised text share this id, so they are stored once. */
export function insightId(text: string): string {
  return createHash('sha256').update(normalizeInsightText(text)).digest('hex').slice(0, 24);
}

export const IMPACT_WEIGHT: Readonly<Record<Impact, number>> = { low: 1, medium: 2, high: 3 };

/** Knobs of `scoreInsight`, exported so the documentation and the tests name the same numbers. */
export const RANKING = {
  /** Relevance points for a project term found among the insight's tags. */
  tagWeight: 3,
  /** Relevance points for a project term found only in the insight's text or area (as a word or phrase). */
  wordWeight: 1,
  /** Each relevance point is worth this much; `value` stays below it, so relevance always decides first. */
  relevanceUnit: 100,
  /** Half-life of the recency factor, in days. */
  recencyHalfLifeDays: 30,
  /** Extra value per additional project that reported the insight, up to `maxCorroboration` projects. */
  corroborationStep: 0.25,
  maxCorroboration: 4,
} as const;

export interface ScorableInsight {
  insight: string;
  area: string;
  tags: readonly string[];
  impact: Impact;
  confidence: number;
  lastAt: number;
  projects: number;
}

export interface InsightScore {
  score: number;
  relevance: number;
  value: number;
  matchedTags: string[];
  matchedWords: string[];
}

/**
 * How relevant an insight is to a project, and how valuable it is; insights are shown highest score first.
 *
 *   relevance = Σ over distinct project terms t (normalised with `normalizeTerm`):
 *                 3 if t is one of the insight's tags,
 *                 else 1 if t is a word of its text or area (or 2–3 adjacent words joined: "real-time" = realtime),
 *                 else 0
 *   value     = 10 × impactWeight (low 1, medium 2, high 3)
 *                  × (0.5 + 0.5 × confidence)                   confidence clamped to 0–1
 *                  × (0.5 + 0.5 × 2^(−ageDays / 30))              age = now − lastAt, never negative
 *                  × (1 + 0.25 × (min(projects, 4) − 1))          corroboration by other projects
 *               ∈ [2.5, 52.5]
 *   score     = 100 × relevance + value
 *
 * So any relevant insight outranks any irrelevant one, more matches outrank fewer (a tag match counts three
 * words), and among equally relevant ones impact weighs most, then confidence and recency. With no project
 * terms, the order is by value alone.
 */
export function scoreInsight(
  insight: ScorableInsight,
  projectTerms: readonly string[],
  now: number,
): InsightScore {
  const tags = new Set(insight.tags.map(normalizeTerm));
  const grams = new Set<string>();
  const ws = words(`${insight.area} ${insight.insight}`);
  for (let i = 0; i < ws.length; i++) {
    grams.add(ws[i] as string);
    if (i + 1 < ws.length) grams.add(`${ws[i]}${ws[i + 1]}`);
    if (i + 2 < ws.length) grams.add(`${ws[i]}${ws[i + 1]}${ws[i + 2]}`);
  }
  const matchedTags: string[] = [];
  const matchedWords: string[] = [];
  for (const term of new Set(projectTerms.map(normalizeTerm))) {
    if (term === '') continue;
    if (tags.has(term)) matchedTags.push(term);
    else if (grams.has(term)) matchedWords.push(term);
  }
  const relevance = RANKING.tagWeight * matchedTags.length + RANKING.wordWeight * matchedWords.length;
  const confidence = Math.min(1, Math.max(0, Number.isFinite(insight.confidence) ? insight.confidence : 0));
  const ageDays = Math.max(0, now - insight.lastAt) / 86_400_000;
  const recency = 0.5 + 0.5 * 2 ** (-ageDays / RANKING.recencyHalfLifeDays);
  const projects = Math.min(Math.max(1, insight.projects), RANKING.maxCorroboration);
  const value =
    10 *
    IMPACT_WEIGHT[insight.impact] *
    (0.5 + 0.5 * confidence) *
    recency *
    (1 + RANKING.corroborationStep * (projects - 1));
  return { score: RANKING.relevanceUnit * relevance + value, relevance, value, matchedTags, matchedWords };
}

/** Sorts by `scoreInsight`, best first; ties go to the more recent, then by id (stable across calls). */
export function rankInsights<T extends ScorableInsight & { id: string }>(
  insights: readonly T[],
  projectTerms: readonly string[],
  now: number,
): Array<T & InsightScore> {
  return insights
    .map((i) => ({ ...i, ...scoreInsight(i, projectTerms, now) }))
    .sort((a, b) => b.score - a.score || b.lastAt - a.lastAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * The retention value a cap compares (lowest dropped first, older first among equals); mirrors the Lua
 * `retention` in the scripts: round(100 × impactWeight × confidence × min(projects, 4)).
 */
export function retentionValue(insight: Pick<ScorableInsight, 'impact' | 'confidence' | 'projects'>): number {
  const projects = Math.min(Math.max(1, insight.projects), RANKING.maxCorroboration);
  return Math.floor(IMPACT_WEIGHT[insight.impact] * insight.confidence * projects * 100 + 0.5);
}

/** Rough token count: about four characters per token. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export interface BudgetFit<T> {
  kept: T[];
  /** Items left out because they did not fit. */
  omitted: number;
  /** Estimated tokens of the kept items. */
  tokens: number;
}

/**
 * Keeps items, in the given (ranked) order, while they fit in `tokenBudget` (~4 characters per token of
 * `toText(item)`, JSON by default). An item that does not fit is left out and smaller ones after it are
 * still tried, so a lower-ranked item is only ever kept in room no higher-ranked item could use.
 */
export function fitToBudget<T>(
  items: readonly T[],
  tokenBudget: number,
  toText: (item: T) => string = defaultText,
): BudgetFit<T> {
  const kept: T[] = [];
  let tokens = 0;
  const budget = Math.max(0, Math.floor(tokenBudget));
  for (const item of items) {
    const cost = estimateTokens(toText(item));
    if (tokens + cost <= budget) {
      kept.push(item);
      tokens += cost;
    }
  }
  return { kept, omitted: items.length - kept.length, tokens };
}

function defaultText(item: unknown): string {
  return typeof item === 'string' ? item : (JSON.stringify(item) ?? '');
}

// ---------------------------------------------------------------------------------------------------------
// Lua

// Both include lua/includes/agent-memory-prelude.lua (an insight's JSON lines and its retention score);
// each file names its KEYS, ARGV and reply.
/** Writes a stage's deliverable and every memory change of that stage in one step (`recordStageOutcome`). */
export const RECORD_SCRIPT = loadScript('agent-memory-record');
/** Deletes what one project contributed, through its index in every scope (`forgetProject`). */
export const FORGET_SCRIPT = loadScript('agent-memory-forget');

// ---------------------------------------------------------------------------------------------------------
// Input validation

const TEAM_ID = /^[A-Za-z0-9_-]{1,64}$/;

function truncate(s: string, max: number): string {
  const t = s.trim();
  if (t.length <= max) return t;
  const code = t.charCodeAt(max - 1);
  return t.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}
const text = (max: number) => z.string().transform((s) => truncate(s, max));
const capped = <T extends z.ZodType>(item: T, max: number) =>
  z.array(item).transform((a) => a.slice(0, max) as Array<z.output<T>>);

const teamIdSchema = z.string().regex(TEAM_ID, 'team id: letters, digits, _ and - only');
const conversationShape = {
  teamId: teamIdSchema,
  channelId: z.string().regex(TEAM_ID, 'channel id: letters, digits, _ and - only'),
  visibility: z.enum(['public', 'private']),
};
const conversationSchema = z.object(conversationShape);
const idSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^\s\n]+$/, 'no whitespace');
const L = AGENT_MEMORY_LIMITS;

const inputSchema = z.object({
  ...conversationShape,
  projectId: idSchema,
  stageId: idSchema,
  attempt: z.number().int().nonnegative(),
  role: roleSchema,
  projectGuard: z.object({
    key: z.string().min(1),
    closedPhases: z.array(z.string().min(1)).max(20),
  }),
  deliverableKey: z.string().min(1),
  deliverableJson: z.string().min(1),
  history: z.object({
    task: text(L.taskChars),
    outcome: z.enum(OUTCOMES),
    keyInsights: capped(text(L.listItemChars), L.keyInsightsPerRecord),
    delegations: capped(text(L.listItemChars), L.delegationsPerRecord),
    at: epochSchema,
  }),
  insights: capped(
    z.object({
      area: text(L.areaChars),
      insight: text(L.insightChars),
      impact: z.enum(IMPACTS),
      confidence: z.number().transform((c) => Math.min(1, Math.max(0, c))),
      tags: capped(
        z.string().transform((t) => normalizeTerm(t).slice(0, L.tagChars)),
        L.tagsPerInsight,
      ),
    }),
    L.insightsPerRecord,
  ),
  messages: capped(
    z.object({
      to: z.union([roleSchema, z.literal('all')]),
      type: z.enum(MESSAGE_TYPES),
      priority: z.enum(PRIORITIES),
      text: text(L.messageChars),
    }),
    L.messagesPerRecord,
  ),
  collaborators: z.array(roleSchema),
  success: z.boolean(),
  taskType: text(L.taskTypeChars),
  readMessageIds: capped(z.string().min(1), L.readIdsPerRecord),
});

/** What the record script answers: its status, the keys it repaired, and for a closed project its phase. */
const recordReplySchema: z.ZodType<RecordResult, unknown> = z.union([
  z
    .tuple([z.literal('recorded'), z.number().int().nonnegative()])
    .transform(([, repairedKeys]) => ({ status: 'recorded' as const, repairedKeys })),
  z.tuple([z.literal('duplicate'), z.literal(0)]).transform(() => ({ status: 'duplicate' as const })),
  z
    .tuple([z.literal('project_closed'), z.literal(0), z.string()])
    .transform(([, , phase]) => ({ status: 'project_closed' as const, phase })),
]);

function invalid(what: string, cause: unknown): PipewrightError {
  return new PipewrightError('unexpected', `agent memory: ${what}`, {
    fault: 'system',
    retryable: false,
    cause,
  });
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

// ---------------------------------------------------------------------------------------------------------
// The store

export class AgentMemory {
  private readonly settings: AgentMemorySettings;

  /**
   * @param prefix the key prefix (REDIS_KEY_PREFIX); keys are `<prefix>:mem:…` and `<prefix>:msg:…`
   */
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    settings: Partial<AgentMemorySettings> = {},
  ) {
    const { now, onCorrupt, ...numbers } = settings;
    const parsed = settingsSchema.safeParse({ ...DEFAULT_AGENT_MEMORY_SETTINGS, ...numbers });
    if (!parsed.success) throw new ConfigError(`agent memory settings are invalid: ${parsed.error.message}`);
    if (prefix === '' || prefix.includes(' ')) throw new ConfigError('agent memory key prefix is invalid');
    this.settings = { ...parsed.data, now: now ?? Date.now, ...(onCorrupt ? { onCorrupt } : {}) };
  }

  /**
   * Records what one stage produced and learnt, in one atomic step with its deliverable. Idempotent by record
   * id `<projectId>:<stageId>:<attempt>`: when the deliverable already exists nothing at all is written and
   * `recorded` is false, so a retried job never duplicates anything.
   */
  async recordStageOutcome(input: StageOutcomeInput): Promise<RecordResult> {
    const parsed = inputSchema.safeParse(input);
    if (!parsed.success) throw invalid(`stage outcome is invalid: ${parsed.error.message}`, parsed.error);
    const i = parsed.data;
    const k = MemoryKeys.of(this.prefix, i.teamId, writeScope(i));
    const now = Math.floor(this.settings.now());
    const recordId = `${i.projectId}:${i.stageId}:${i.attempt}`;
    const provenance = {
      projectId: i.projectId,
      stageId: i.stageId,
      attempt: i.attempt,
      role: i.role,
      at: i.history.at,
    };

    const keys: string[] = [
      i.deliverableKey,
      k.project(i.projectId),
      k.history(i.role),
      k.historyEntries(i.role),
      k.insights(i.role),
      k.insightRank(i.role),
      k.inbox(i.role),
      i.projectGuard.key,
    ];
    const keyIndex = (key: string): number => {
      const at = keys.indexOf(key);
      if (at >= 0) return at + 1;
      keys.push(key);
      return keys.length;
    };
    // The messages it was shown came from every scope it reads: mark them read in each.
    const readInboxes = readScopes(i).map((scope) =>
      keyIndex(MemoryKeys.of(this.prefix, i.teamId, scope).inbox(i.role)),
    );

    const history: HistoryEntry = {
      id: recordId,
      ...provenance,
      task: i.history.task,
      outcome: i.history.outcome,
      keyInsights: i.history.keyInsights,
      delegations: i.history.delegations,
    };

    const insights: Array<{ id: string; line: string }> = [];
    for (const ins of i.insights) {
      if (normalizeInsightText(ins.insight) === '') continue;
      const id = insightId(ins.insight);
      if (insights.some((x) => x.id === id)) continue;
      const source: InsightSource = {
        recordId,
        ...provenance,
        area: ins.area,
        insight: ins.insight,
        impact: ins.impact,
        confidence: ins.confidence,
        tags: [...new Set(ins.tags.filter((t) => t !== ''))],
      };
      insights.push({ id, line: JSON.stringify(source) });
    }

    const collaborators = [...new Set(i.collaborators)].filter((r) => r !== i.role);
    const collab = collaborators.map((r) => keyIndex(k.collab(i.role, r)));

    const expiresAt = now + this.settings.messageTtlMs;
    const messages: Array<{ id: string; json: string; body: number; inboxes: number[]; expiresAt: number }> =
      [];
    const sent: Contribution['messages'] = [];
    i.messages.forEach((m, n) => {
      if (m.text === '') return;
      const id = `${recordId}#${n}`;
      const to: RoleId[] = m.to === 'all' ? ROLE_IDS.filter((r) => r !== i.role) : [m.to];
      const body: StoredMessage = {
        id,
        ...provenance,
        from: i.role,
        to: m.to,
        type: m.type,
        priority: m.priority,
        text: m.text,
        expiresAt,
      };
      messages.push({
        id,
        json: JSON.stringify(body),
        body: keyIndex(k.body(id)),
        inboxes: to.map((r) => keyIndex(k.inbox(r))),
        expiresAt,
      });
      sent.push({ id, to });
    });

    const taskTypeField = `type:${i.taskType === '' ? 'unspecified' : i.taskType}`;
    const contribution: Contribution = {
      recordId,
      role: i.role,
      insights: insights.map((x) => x.id),
      messages: sent,
      collab: { pairs: collaborators.map((r) => pairOf(i.role, r)), success: i.success, taskTypeField },
    };

    const payload = {
      recordId,
      deliverable: i.deliverableJson,
      history: JSON.stringify(history),
      contribution: JSON.stringify(contribution),
      taskTypeField,
      at: i.history.at,
      now,
      historyCap: this.settings.historyCap,
      insightCap: this.settings.insightCap,
      maxSources: this.settings.maxSourcesPerInsight,
      ttlMs: this.settings.messageTtlMs,
      maxUnread: this.settings.maxUnreadPerRole,
      success: i.success,
      insights,
      messages,
      collab,
      read: [...new Set(i.readMessageIds)],
      readInboxes,
      closedPhases: i.projectGuard.closedPhases,
    };
    const reply = await runScript(this.redis, RECORD_SCRIPT, keys.length, ...keys, JSON.stringify(payload));
    const r = recordReplySchema.safeParse(reply);
    if (!r.success)
      throw invalid(`unexpected reply from the record script: ${JSON.stringify(reply)}`, r.error);
    if (r.data.status === 'recorded' && r.data.repairedKeys > 0) {
      this.corrupt({
        key: k.mem,
        reason: `${r.data.repairedKeys} wrong-typed key(s) deleted and rebuilt by a record`,
      });
    }
    return r.data;
  }

  /**
   * What a role should be reminded of in a prompt, from the scopes the conversation may read (`readScopes`):
   * its most recent history, its insights ranked for this project (`scoreInsight`), and its unread messages.
   * Reading does not mark messages read.
   */
  async recall(
    query: Conversation & {
      role: RoleId;
      projectTags?: readonly string[];
      limits?: Partial<RecallLimits>;
    },
  ): Promise<Recall> {
    const { conversation, role } = this.checkConversation(query, query.role);
    const limits = { ...DEFAULT_RECALL_LIMITS, ...query.limits };
    const scopes = this.scopeKeys(conversation);
    const now = this.settings.now();
    const counter = { n: 0 };
    const [history, insights, messages] = await Promise.all([
      this.readHistory(scopes, role, limits.history, counter),
      this.readInsights(scopes, role, counter),
      this.readInbox(scopes, role, now, counter),
    ]);
    return {
      history,
      insights: rankInsights(insights, query.projectTags ?? [], now).slice(0, Math.max(0, limits.insights)),
      messages: messages.slice(0, Math.max(0, limits.messages)),
      corrupt: counter.n,
    };
  }

  /** A role's unread messages in what the conversation may read (high priority first, then newest), left unread. */
  async unreadMessages(where: Conversation, role: RoleId): Promise<AgentMessage[]> {
    const checked = this.checkConversation(where, role);
    return this.readInbox(this.scopeKeys(checked.conversation), checked.role, this.settings.now(), { n: 0 });
  }

  /**
   * What a role remembers, as plain data for the `memory <role>` command asked in `where`: by the same rule
   * as `recall`, a public channel sees the public memory only, a private one its own and the public.
   */
  async describeRole(
    where: Conversation,
    role: RoleId,
    limits: { history?: number; insights?: number } = {},
  ): Promise<RoleMemory> {
    const checked = this.checkConversation(where, role);
    const scopes = this.scopeKeys(checked.conversation);
    const now = this.settings.now();
    const counter = { n: 0 };
    const [allHistory, insights, unread, collaborators] = await Promise.all([
      this.readHistory(scopes, checked.role, this.settings.historyCap, counter),
      this.readInsights(scopes, checked.role, counter),
      this.readInbox(scopes, checked.role, now, counter),
      this.readCollaborators(scopes, checked.role, counter),
    ]);
    const outcomes: Record<Outcome, number> = { success: 0, partial: 0, failure: 0 };
    for (const h of allHistory) outcomes[h.outcome] += 1;
    return {
      teamId: checked.conversation.teamId,
      role: checked.role,
      scopes: readScopes(checked.conversation),
      counts: {
        history: allHistory.length,
        insights: insights.length,
        unreadMessages: unread.length,
        outcomes,
      },
      recentHistory: allHistory.slice(0, limits.history ?? 10),
      topInsights: rankInsights(insights, [], now).slice(0, limits.insights ?? 10),
      collaborators,
      unreadMessages: unread,
      corrupt: counter.n,
    };
  }

  /**
   * Deletes what one project contributed to memory, found through the project's index (no scan) in every
   * scope it may have written to: its conversation's private scope, the workspace's public scope, and the
   * layout from before scopes. Its history entries, insights only it reported (others lose its reports and
   * keep the rest), the messages it sent (from every inbox), and its share of the collaboration counters go,
   * in one script. Stage deliverables are project data, not memory, and are left alone. Running it again
   * finds nothing.
   */
  async forgetProject(project: {
    teamId: string;
    channelId: string;
    projectId: string;
  }): Promise<ForgetResult> {
    const where = conversationSchema.omit({ visibility: true }).safeParse(project);
    const id = idSchema.safeParse(project.projectId);
    if (!where.success || !id.success)
      throw invalid('forgetProject needs a team id, a channel id and a project id', undefined);
    const { teamId, channelId } = where.data;
    const scopes = [
      MemoryKeys.of(this.prefix, teamId, { kind: 'private', channelId }),
      MemoryKeys.of(this.prefix, teamId, { kind: 'public' }),
      MemoryKeys.beforeScopes(this.prefix, teamId),
    ];
    const reply = await runScript(
      this.redis,
      FORGET_SCRIPT,
      scopes.length,
      ...scopes.map((k) => k.project(id.data)),
      id.data,
      ...scopes.flatMap((k) => [k.mem, k.msg]),
    );
    const r = z.array(z.number().int().nonnegative()).length(7).safeParse(reply);
    if (!r.success)
      throw invalid(`unexpected reply from the forget script: ${JSON.stringify(reply)}`, r.error);
    const [records, history, insightsDeleted, insightsUnlinked, messages, collaborations, corrupt] =
      r.data as [number, number, number, number, number, number, number];
    if (corrupt > 0)
      this.corrupt({
        key: scopes.map((k) => k.project(id.data)).join(' '),
        reason: `${corrupt} index entries did not parse`,
      });
    return { records, history, insightsDeleted, insightsUnlinked, messages, collaborations, corrupt };
  }

  // -------------------------------------------------------------------------------------------------------

  private checkConversation(where: Conversation, role: RoleId): { conversation: Conversation; role: RoleId } {
    const c = conversationSchema.safeParse(where);
    const r = roleSchema.safeParse(role);
    if (!c.success || !r.success)
      throw invalid(
        `unknown team, channel, visibility or role: ${where.teamId} ${where.channelId} ${where.visibility} ${role}`,
        undefined,
      );
    return { conversation: c.data, role: r.data };
  }

  /** The keys of every scope `c` may read, its own first. */
  private scopeKeys(c: Conversation): MemoryKeys[] {
    return readScopes(c).map((scope) => MemoryKeys.of(this.prefix, c.teamId, scope));
  }

  private corrupt(item: CorruptItem, counter?: { n: number }): void {
    if (counter) counter.n += 1;
    this.settings.onCorrupt?.(item);
  }

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
  private async readHistory(
    scopes: readonly MemoryKeys[],
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
    k: MemoryKeys,
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
  private async readInsights(
    scopes: readonly MemoryKeys[],
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
    k: MemoryKeys,
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
  private async readInbox(
    scopes: readonly MemoryKeys[],
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
    k: MemoryKeys,
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
  private async readCollaborators(
    scopes: readonly MemoryKeys[],
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
    k: MemoryKeys,
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
