import { z } from 'zod';
import { tailoredPlanSchema } from './plan.js';
import { executiveSummarySchema } from './project.js';
import { clarifyOutputSchema } from './requirements.js';
import { usageSchema } from './usage.js';

/**
 * Everything that can happen to a project, as the orchestrator's queue carries it. Each event has an id
 * that is stable across redeliveries, so applying one twice is detected and skipped.
 */
export const messageEventSchema = z.object({
  type: z.literal('message'),
  eventId: z.string(),
  teamId: z.string(),
  channelId: z.string(),
  threadTs: z.string(),
  ts: z.string(),
  userId: z.string(),
  text: z.string(),
  /** The bot was @mentioned (app_mention) or this is a direct message: may open a project. */
  addressed: z.boolean(),
});

const projectScoped = { eventId: z.string(), projectId: z.string() };

export const orchestratorEventSchema = z.discriminatedUnion('type', [
  messageEventSchema,
  z.object({
    type: z.literal('gate_decision'),
    ...projectScoped,
    stageId: z.string(),
    verdict: z.enum(['approve', 'reject']),
    userId: z.string(),
  }),
  z.object({
    type: z.literal('clarify_done'),
    ...projectScoped,
    round: z.number().int(),
    output: clarifyOutputSchema,
    usage: usageSchema,
  }),
  z.object({
    type: z.literal('clarify_failed'),
    ...projectScoped,
    round: z.number().int(),
    error: z.string(),
  }),
  z.object({
    type: z.literal('plan_done'),
    ...projectScoped,
    output: tailoredPlanSchema,
    usage: usageSchema,
  }),
  z.object({ type: z.literal('plan_failed'), ...projectScoped, error: z.string() }),
  z.object({
    type: z.literal('stage_started'),
    ...projectScoped,
    stageId: z.string(),
    attempt: z.number().int(),
  }),
  z.object({
    type: z.literal('stage_done'),
    ...projectScoped,
    stageId: z.string(),
    attempt: z.number().int(),
    summary: z.string(),
    usage: usageSchema,
    model: z.string(),
    degraded: z.boolean(),
    jobAttempts: z.number().int().min(1),
  }),
  z.object({
    type: z.literal('stage_failed'),
    ...projectScoped,
    stageId: z.string(),
    attempt: z.number().int(),
    error: z.string(),
  }),
  z.object({
    type: z.literal('summary_done'),
    ...projectScoped,
    summary: executiveSummarySchema,
    usage: usageSchema,
  }),
  z.object({ type: z.literal('summary_failed'), ...projectScoped, error: z.string() }),
  z.object({
    type: z.literal('forget_decision'),
    ...projectScoped,
    verdict: z.enum(['forget', 'keep']),
    userId: z.string(),
    /** The confirmation message the click came from. */
    confirmKey: z.string(),
  }),
]);
export type OrchestratorEvent = z.infer<typeof orchestratorEventSchema>;
export type MessageEvent = z.infer<typeof messageEventSchema>;
