import { z } from 'zod';

/** How much agent memory keeps and for how long, its clock, and whom it tells about corrupt items. */

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

export const settingsSchema = z.object({
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
