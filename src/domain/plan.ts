import { z } from 'zod';
import { checklistAdjustmentProblems, checklistAdjustmentSchema } from './checklists.js';
import type { Requirements } from './requirements.js';
import { DEPLOYING_ROLES, isRoleId, ROLE_IDS, type RoleId } from './roles.js';
import { templateRefs } from './template.js';

export const STAGE_ID_PATTERN = /^phase[1-9]\d*\.[a-z][a-z0-9-]{0,62}$/;

export const stageSchema = z.object({
  /** `phase<N>.<name>`, e.g. `phase1.data-engineer`; other stages refer to it as `{<id>.output}`. */
  id: z.string().regex(STAGE_ID_PATTERN),
  phase: z.number().int().min(1).max(9),
  role: z.enum(ROLE_IDS),
  task: z.string().min(1).max(4000),
  /** Stages whose output this one reads; it runs only after all of them are done. */
  reads: z.array(z.string().regex(STAGE_ID_PATTERN)).max(20),
  /** It deploys, applies, releases or otherwise changes systems that are running: it always needs approval. */
  changesRunningSystems: z.boolean().default(false),
  needsApproval: z.boolean(),
  timeoutMs: z.number().int().positive(),
  retries: z.number().int().min(0).max(10),
  /** When this stage fails for good: `stop` the run, or `continue` without it (its dependents are skipped). */
  onFailure: z.enum(['stop', 'continue']).default('stop'),
  /** Items of the role's checklist this stage does not owe, and items it owes on top (absent: the full list). */
  checklist: checklistAdjustmentSchema.optional(),
});
export type Stage = z.infer<typeof stageSchema>;

export const planSchema = z.object({
  phases: z.array(z.object({ number: z.number().int().min(1), name: z.string().min(1).max(80) })).min(1),
  stages: z.array(stageSchema).min(1).max(40),
});
export type Plan = z.infer<typeof planSchema>;

/**
 * How long one model call of a stage may take (the draft, its review and a revision each get it whole): a
 * 32,000-token answer streams for about ten minutes at 50 tokens a second.
 */
export const DEFAULT_STAGE_TIMEOUT_MS = 20 * 60_000;
export const DEFAULT_STAGE_RETRIES = 2;

function stage(phase: number, role: RoleId, task: string, reads: string[]): Stage {
  const changes = DEPLOYING_ROLES.includes(role);
  return {
    id: `phase${phase}.${role}`,
    phase,
    role,
    task,
    reads,
    changesRunningSystems: changes,
    needsApproval: changes,
    timeoutMs: DEFAULT_STAGE_TIMEOUT_MS,
    retries: DEFAULT_STAGE_RETRIES,
    onFailure: 'stop',
  };
}

/** The default four-phase plan of DESIGN.md, with tasks filled from the requirements. */
export function defaultPlan(req: Requirements): Plan {
  const s = req.stack;
  const sources =
    req.dataSources.length > 0 ? req.dataSources.join(', ') : 'the sources named in the requirements';
  return {
    phases: [
      { number: 1, name: 'Data' },
      { number: 2, name: 'Model' },
      { number: 3, name: 'Deploy' },
      { number: 4, name: 'Operate' },
    ],
    stages: [
      stage(
        1,
        'data-engineer',
        `Design ingestion and validation for ${sources}: schemas, versioning, quality gates and storage layers on ${s.cloud}.`,
        [],
      ),
      stage(
        1,
        'data-scientist',
        `From {phase1.data-engineer.output}, define features (feature store: ${s.featureStore}), the model choice, how ${req.targetMetric} is measured against the baseline (${req.baseline}), the experiment design and bias checks.`,
        ['phase1.data-engineer'],
      ),
      stage(
        2,
        'ml-engineer',
        `Build the training pipeline from {phase1.data-scientist.output}: hyperparameter search, tracking in ${s.experimentTracking}, orchestration on ${s.orchestration}, registry and promotion rules.`,
        ['phase1.data-scientist'],
      ),
      stage(
        2,
        'python-pro',
        'Make the training and inference code in {phase2.ml-engineer.output} production-grade: structure, error handling, logging, performance and tests.',
        ['phase2.ml-engineer'],
      ),
      stage(
        3,
        'mlops-engineer',
        `Plan ${s.deploymentMode} serving on ${s.serving} for the model from {phase2.ml-engineer.output} using the code in {phase2.python-pro.output}: rollout strategy, CI/CD, infrastructure as code. Latency constraint: ${req.constraints.latency}.`,
        ['phase2.ml-engineer', 'phase2.python-pro'],
      ),
      stage(
        3,
        'kubernetes-architect',
        `Design the Kubernetes resources for the serving plan in {phase3.mlops-engineer.output}: manifests/Helm, GPU scheduling, autoscaling, storage. Budget: ${req.constraints.budget}.`,
        ['phase3.mlops-engineer'],
      ),
      stage(
        4,
        'observability-engineer',
        `Monitor the deployment in {phase3.mlops-engineer.output} and {phase3.kubernetes-architect.output} with ${s.monitoring}: drift, latency/throughput, dashboards, alerts, cost.`,
        ['phase3.mlops-engineer', 'phase3.kubernetes-architect'],
      ),
    ],
  };
}

/** Everything wrong with a plan, as sentences a person can act on; empty when the plan may run. */
export function planProblems(plan: Plan): string[] {
  const problems: string[] = [];
  const byId = new Map<string, Stage>();
  const phaseNumbers = new Set(plan.phases.map((p) => p.number));

  for (const st of plan.stages) {
    if (byId.has(st.id)) problems.push(`stage ${st.id} appears twice`);
    byId.set(st.id, st);
    if (!isRoleId(st.role)) problems.push(`stage ${st.id} has unknown role ${st.role}`);
    if (!phaseNumbers.has(st.phase))
      problems.push(`stage ${st.id} is in phase ${st.phase}, which the plan does not list`);
    if (!st.id.startsWith(`phase${st.phase}.`))
      problems.push(`stage ${st.id} must be named phase${st.phase}.<name>`);
    if (mustBeGated(st) && !st.needsApproval) {
      problems.push(`stage ${st.id} changes running systems and must need approval`);
    }
    if (isRoleId(st.role)) problems.push(...checklistAdjustmentProblems(st));
  }

  for (const st of plan.stages) {
    for (const dep of st.reads) {
      const target = byId.get(dep);
      if (!target) problems.push(`stage ${st.id} reads ${dep}, which is not in the plan`);
      else if (target.phase > st.phase) problems.push(`stage ${st.id} reads ${dep} from a later phase`);
    }
    for (const ref of templateRefs(st.task)) {
      const match = /^(.+)\.output$/.exec(ref);
      const dep = match?.[1];
      if (dep === undefined)
        problems.push(`stage ${st.id} refers to {${ref}}; only {<stage>.output} is allowed`);
      else if (!st.reads.includes(dep))
        problems.push(`stage ${st.id} uses {${ref}} but does not read ${dep}`);
    }
  }

  const cycle = findCycle(plan.stages);
  if (cycle) problems.push(`stages form a cycle: ${cycle.join(' → ')}`);
  return problems;
}

/**
 * Words of a task that deploy, apply or release something. A stage whose task says so is gated whatever
 * its role, and whatever the plan (or the request it was made from) says about approval.
 */
const CHANGES_RUNNING_SYSTEMS =
  /\b(deploy(?:s|ing|ed)?|redeploy\w*|apply|applies|applying|release[sd]?|releasing|roll(?:s|ing|ed)? out|promote[sd]?|promoting|provision(?:s|ing|ed)?|go(?:es)? live|terraform apply|kubectl apply|helm (?:install|upgrade))\b/i;

/**
 * Whether a stage must wait for a human click: its role changes infrastructure, the plan says it changes
 * running systems, or its task deploys, applies or releases anything. Decided in code, never by a model.
 */
export function mustBeGated(st: Pick<Stage, 'role' | 'task' | 'changesRunningSystems'>): boolean {
  return (
    DEPLOYING_ROLES.includes(st.role) || st.changesRunningSystems || CHANGES_RUNNING_SYSTEMS.test(st.task)
  );
}

/** A cycle in the reads graph as a list of ids (first id repeated at the end), or undefined. */
function findCycle(stages: readonly Stage[]): string[] | undefined {
  const reads = new Map(stages.map((s) => [s.id, s.reads]));
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];

  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'visiting') return [...path.slice(path.indexOf(id)), id];
    state.set(id, 'visiting');
    path.push(id);
    for (const dep of reads.get(id) ?? []) {
      if (!reads.has(dep)) continue;
      const found = visit(dep);
      if (found) return found;
    }
    path.pop();
    state.set(id, 'done');
    return undefined;
  };

  for (const s of stages) {
    const found = visit(s.id);
    if (found) return found;
  }
  return undefined;
}

/** What the project manager returns when it tailors the plan (model output, validated, then normalised). */
export const tailoredPlanSchema = z.object({
  rationale: z.string().min(1).max(1500),
  phases: z
    .array(z.object({ number: z.number().int().min(1).max(9), name: z.string().min(1).max(80) }))
    .min(1)
    .max(9),
  stages: z
    .array(
      z.object({
        id: z.string().min(1).max(70),
        phase: z.number().int().min(1).max(9),
        role: z.enum(ROLE_IDS),
        task: z.string().min(1).max(4000),
        reads: z.array(z.string().regex(STAGE_ID_PATTERN)).max(20),
        changesRunningSystems: z.boolean(),
        needsApproval: z.boolean(),
        timeoutMinutes: z.number().int().min(1).max(60),
        retries: z.number().int().min(0).max(5),
        onFailure: z.enum(['stop', 'continue']),
        checklist: checklistAdjustmentSchema.optional(),
      }),
    )
    .min(1)
    .max(20),
});
export type TailoredPlan = z.infer<typeof tailoredPlanSchema>;

/**
 * Turns the model's plan into a Plan and checks it; problems are sentences to tell the thread. A stage
 * that changes running systems is gated here even when the model said it needs no approval.
 */
export function acceptTailoredPlan(tailored: TailoredPlan): { plan: Plan; problems: string[] } {
  const candidate = {
    phases: tailored.phases,
    stages: tailored.stages.map((st) => ({
      id: st.id,
      phase: st.phase,
      role: st.role,
      task: st.task,
      reads: st.reads,
      changesRunningSystems: st.changesRunningSystems,
      needsApproval: st.needsApproval || mustBeGated(st),
      timeoutMs: st.timeoutMinutes * 60_000,
      retries: st.retries,
      onFailure: st.onFailure,
      ...(st.checklist ? { checklist: st.checklist } : {}),
    })),
  };
  const parsed = planSchema.safeParse(candidate);
  if (!parsed.success) {
    return {
      plan: candidate as Plan,
      problems: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
    };
  }
  return { plan: parsed.data, problems: planProblems(parsed.data) };
}

/** The default plan in the shape the model returns, so the project manager can start from it. */
export function asTailoredPlan(plan: Plan, rationale: string): TailoredPlan {
  return {
    rationale,
    phases: plan.phases,
    stages: plan.stages.map((st) => ({
      id: st.id,
      phase: st.phase,
      role: st.role,
      task: st.task,
      reads: st.reads,
      changesRunningSystems: st.changesRunningSystems,
      needsApproval: st.needsApproval,
      timeoutMinutes: Math.max(1, Math.round(st.timeoutMs / 60_000)),
      retries: st.retries,
      onFailure: st.onFailure,
      ...(st.checklist ? { checklist: st.checklist } : {}),
    })),
  };
}
