import { z } from 'zod';
import { deliverableFileSchema, fileProblemSchema } from './deliverable-files.js';
import { REVIEW_CAVEATS, stageReviewSchema } from './review.js';
import { usageSchema } from './usage.js';

/** What one stage attempt delivered, as it is stored and read back (validated). */
export const deliverableSchema = z.object({
  stageId: z.string(),
  attempt: z.number().int(),
  role: z.string(),
  summary: z.string(),
  deliverable: z.string(),
  /** The deliverable condensed for downstream prompts. */
  digest: z.string(),
  /** The main risks the agent named, if any. */
  risks: z.array(z.string()).optional(),
  /** Files handed over (code, configuration, manifests), checked by `checkFiles`. */
  files: z.array(deliverableFileSchema).optional(),
  /** What the file checks refused or flagged in the accepted version. */
  fileProblems: z.array(fileProblemSchema).optional(),
  /** The independent review; absent when reviewing is off. */
  review: stageReviewSchema.optional(),
  /** Why the review is incomplete, when it is. */
  reviewCaveat: z.enum(REVIEW_CAVEATS).optional(),
  /** Every call of the stage: author, reviews and revision. */
  usage: usageSchema,
  model: z.string(),
  /** Produced by the fallback model. */
  degraded: z.boolean(),
  /** Model-job attempt that produced it (1 = first try). */
  jobAttempts: z.number().int().min(1),
  /** `host:pid` of the worker process that produced it. */
  workerId: z.string(),
  startedAt: z.number(),
  producedAt: z.number(),
});
export type Deliverable = z.infer<typeof deliverableSchema>;
