import { z } from 'zod';
import { modelFileSchema } from '../../domain/deliverable-files.js';
import { ROLE_IDS } from '../../domain/roles.js';

/**
 * What a stage agent returns (validated): a line for the thread, the full deliverable, a digest, and
 * what it wants remembered: how it went, what it learned, and messages for other roles.
 */
export const stageOutputSchema = z.object({
  summary: z.string().min(1).max(600),
  deliverable: z.string().min(1),
  /** The deliverable condensed for the stages that build on it; used when the full text is over budget. */
  digest: z.string().min(1).max(8_000),
  /** Code, configuration, manifests, dashboards, alert rules: checked by `checkFiles` before they are kept. */
  files: z.array(modelFileSchema).max(40).default([]),
  outcome: z.enum(['success', 'partial', 'failure']),
  /** What could go wrong if work built on this ships; shown on the approval gates that build on it. */
  risks: z.array(z.string().min(1).max(300)).max(5).optional(),
  keyInsights: z.array(z.string().min(1).max(300)).max(5),
  /** Work it says another role should take on. */
  delegations: z.array(z.string().min(1).max(300)).max(5),
  insights: z
    .array(
      z.object({
        area: z.string().min(1).max(80),
        insight: z.string().min(1).max(600),
        impact: z.enum(['low', 'medium', 'high']),
        confidence: z.number().min(0).max(1),
        tags: z.array(z.string().min(1).max(40)).max(8),
      }),
    )
    .max(5),
  messages: z
    .array(
      z.object({
        to: z.enum([...ROLE_IDS, 'all']),
        type: z.enum(['insight', 'warning', 'request']),
        priority: z.enum(['low', 'normal', 'high']),
        text: z.string().min(1).max(800),
      }),
    )
    .max(5),
});
export type StageOutput = z.infer<typeof stageOutputSchema>;
