import { z } from 'zod';
import { ROLE_IDS, type RoleId } from '../../domain/roles.js';
import { normalizeTerm } from './ranking.js';
import { AGENT_MEMORY_LIMITS } from './settings.js';

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

export const roleSchema = z.enum(ROLE_IDS);
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

export const historyEntrySchema = z.object({
  id: z.string().min(1),
  ...provenanceShape,
  task: z.string(),
  outcome: z.enum(OUTCOMES),
  keyInsights: z.array(z.string()),
  delegations: z.array(z.string()),
});
export type HistoryEntry = z.infer<typeof historyEntrySchema>;

/** One report of an insight: one JSON line in the insight's hash field. */
export const insightSourceSchema = z.object({
  recordId: z.string().min(1),
  ...provenanceShape,
  area: z.string(),
  insight: z.string().min(1),
  impact: z.enum(IMPACTS),
  confidence: z.number().min(0).max(1),
  tags: z.array(z.string()),
});
export type InsightSource = z.infer<typeof insightSourceSchema>;

export const messageSchema = z.object({
  id: z.string().min(1),
  ...provenanceShape,
  from: roleSchema,
  to: z.union([roleSchema, z.literal('all')]),
  type: z.enum(MESSAGE_TYPES),
  priority: z.enum(PRIORITIES),
  text: z.string(),
  expiresAt: epochSchema,
});
export type StoredMessage = z.infer<typeof messageSchema>;

const contributionSchema = z.object({
  recordId: z.string(),
  role: roleSchema,
  insights: z.array(z.string()),
  messages: z.array(z.object({ id: z.string(), to: z.array(roleSchema) })),
  collab: z.object({ pairs: z.array(z.string()), success: z.boolean(), taskTypeField: z.string() }),
});
export type Contribution = z.infer<typeof contributionSchema>;

export const counterSchema = z
  .string()
  .regex(/^-?\d+$/)
  .transform(Number);

// ---------------------------------------------------------------------------------------------------------
// Input validation (before anything is written: memory must never fail a stage, so long text is cut)

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
export const conversationSchema = z.object(conversationShape);
export const idSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^\s\n]+$/, 'no whitespace');
const L = AGENT_MEMORY_LIMITS;

export const inputSchema = z.object({
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

/** A stage outcome as validated: text cut to its limits, lists capped, tags normalised. */
export type ValidStageOutcome = z.output<typeof inputSchema>;
