import { z } from 'zod';

/**
 * The project manager's executive summary: outcome against each success criterion, business impact with an
 * ROI estimate and its assumptions, risks with mitigations, resources and cost, and next steps. Every claim
 * names the plan stages it rests on (`stages`), so a reader can go from a sentence to the deliverable.
 *
 * Caps keep the Slack message within its block limits even at the maximum (views/summary.ts).
 */
export const SUMMARY_CAPS = {
  headline: 400,
  deliverables: 40,
  deliverableLine: 400,
  criteria: 10,
  criterion: 500,
  evidence: 500,
  impact: 600,
  roiEstimate: 300,
  assumptions: 6,
  assumption: 200,
  risks: 8,
  risk: 300,
  mitigation: 300,
  resource: 400,
  nextSteps: 8,
  step: 300,
  owner: 60,
  stageRefs: 8,
  stageId: 80,
} as const;

const C = SUMMARY_CAPS;
/** Ids of the plan stages a claim rests on; unknown ids are dropped by `traceSummary`. */
const stageRefsSchema = z.array(z.string().min(1).max(C.stageId)).max(C.stageRefs);

/** `unchecked`: the deliverables cannot tell (and the summary made without the model checks nothing). */
export const CRITERION_STATUSES = ['met', 'partial', 'not_met', 'unchecked'] as const;
export type CriterionStatus = (typeof CRITERION_STATUSES)[number];

/** What the model writes (validated). The run's spent amount is not in it: code fills that from the usage. */
export const summaryAnswerSchema = z.object({
  outcome: z.enum(['met', 'partially_met', 'not_met', 'unchecked']),
  headline: z.string().min(1).max(C.headline),
  deliverables: z
    .array(z.object({ stageId: z.string().max(C.stageId), line: z.string().max(C.deliverableLine) }))
    .max(C.deliverables),
  criteria: z
    .array(
      z.object({
        criterion: z.string().max(C.criterion),
        status: z.enum(CRITERION_STATUSES),
        evidence: z.string().max(C.evidence),
        stages: stageRefsSchema,
      }),
    )
    .max(C.criteria),
  businessImpact: z.object({
    summary: z.string().min(1).max(C.impact),
    roi: z.object({
      estimate: z.string().min(1).max(C.roiEstimate),
      assumptions: z.array(z.string().min(1).max(C.assumption)).max(C.assumptions),
    }),
    stages: stageRefsSchema,
  }),
  risks: z
    .array(
      z.object({
        risk: z.string().min(1).max(C.risk),
        mitigation: z.string().min(1).max(C.mitigation),
        stages: stageRefsSchema,
      }),
    )
    .max(C.risks),
  resources: z.object({
    /** The people and roles needed to build and run what was designed. */
    people: z.string().min(1).max(C.resource),
    infrastructure: z.string().min(1).max(C.resource),
    /** What running it will cost from here on, with its basis. */
    ongoingCost: z.string().min(1).max(C.resource),
  }),
  nextSteps: z
    .array(
      z.object({
        step: z.string().min(1).max(C.step),
        owner: z.string().max(C.owner).optional(),
        stages: stageRefsSchema,
      }),
    )
    .max(C.nextSteps),
});
export type SummaryAnswer = z.infer<typeof summaryAnswerSchema>;

const storedShape = summaryAnswerSchema.extend({
  resources: summaryAnswerSchema.shape.resources.extend({
    /** What the run spent on the model, in US dollars: filled by code from the project's usage. */
    costUsd: z.number().min(0).optional(),
  }),
});

/**
 * The summary as stored (project record, events, views). Summaries stored before the fields above existed
 * (criteria with `met`, risks and next steps as plain lines) are upgraded on read, so old projects load.
 */
export const executiveSummarySchema = z.preprocess(upgradeLegacySummary, storedShape);
export type ExecutiveSummary = z.infer<typeof storedShape>;

export const NOT_ASSESSED = 'Not assessed: this summary was written before it was asked for.';

/** Reads the first summary shape (before business impact, traced claims and resources) as the current one. */
export function upgradeLegacySummary(raw: unknown): unknown {
  if (!isRecord(raw)) return raw;
  const out: Record<string, unknown> = { ...raw };
  if (Array.isArray(raw.criteria))
    out.criteria = raw.criteria.map((c) =>
      isRecord(c) && !('status' in c) && typeof c.met === 'boolean'
        ? {
            criterion: c.criterion,
            status: c.met ? 'met' : 'not_met',
            evidence: typeof c.evidence === 'string' ? c.evidence.slice(0, C.evidence) : c.evidence,
            stages: [],
          }
        : c,
    );
  if (Array.isArray(raw.risks))
    out.risks = raw.risks.map((r) =>
      typeof r === 'string' ? { risk: r.slice(0, C.risk) || '-', mitigation: NOT_ASSESSED, stages: [] } : r,
    );
  if (Array.isArray(raw.nextSteps))
    out.nextSteps = raw.nextSteps.map((n) =>
      typeof n === 'string' ? { step: n.slice(0, C.step) || '-', stages: [] } : n,
    );
  if (!('businessImpact' in raw))
    out.businessImpact = {
      summary: NOT_ASSESSED,
      roi: { estimate: NOT_ASSESSED, assumptions: [] },
      stages: [],
    };
  if (!('resources' in raw))
    out.resources = { people: NOT_ASSESSED, infrastructure: NOT_ASSESSED, ongoingCost: NOT_ASSESSED };
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Traceability, decided in code: every stage id a claim cites must be a stage of the plan. Unknown ids are
 * dropped (and duplicates folded) rather than sent back to the model for repair: the rest of the answer is
 * sound, and a repair round would repeat the whole, long prompt for a slip in one reference. A deliverable
 * line for a stage the plan does not have is dropped too. `dropped` lists what went, for the log.
 */
export function traceSummary<S extends SummaryAnswer>(
  summary: S,
  planStageIds: readonly string[],
): { summary: S; dropped: string[] } {
  const known = new Set(planStageIds);
  const dropped = new Set<string>();
  const trace = (ids: readonly string[]): string[] => {
    const kept: string[] = [];
    for (const id of ids) {
      if (!known.has(id)) dropped.add(id);
      else if (!kept.includes(id)) kept.push(id);
    }
    return kept;
  };
  const deliverables = summary.deliverables.filter((d) => {
    if (!known.has(d.stageId)) dropped.add(d.stageId);
    return known.has(d.stageId);
  });
  return {
    summary: {
      ...summary,
      deliverables,
      criteria: summary.criteria.map((c) => ({ ...c, stages: trace(c.stages) })),
      businessImpact: { ...summary.businessImpact, stages: trace(summary.businessImpact.stages) },
      risks: summary.risks.map((r) => ({ ...r, stages: trace(r.stages) })),
      nextSteps: summary.nextSteps.map((n) => ({ ...n, stages: trace(n.stages) })),
    },
    dropped: [...dropped],
  };
}

/** The stored summary: traced against the plan, with the run's spent amount taken from its usage. */
export function settleSummary(
  answer: SummaryAnswer,
  planStageIds: readonly string[],
  spentUsd: number,
): { summary: ExecutiveSummary; dropped: string[] } {
  const { summary, dropped } = traceSummary(answer, planStageIds);
  return { summary: { ...summary, resources: { ...summary.resources, costUsd: spentUsd } }, dropped };
}
