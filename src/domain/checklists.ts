import { z } from 'zod';
import { ROLE_IDS, type RoleId } from './roles.js';

/**
 * What each role owes: the concrete items a strong specialist delivers on an ML project, in our own words.
 * A blocking item is one a lead would send the work back for; the others are expected but negotiable.
 * Ids are stable (reviews, reports and plan adjustments refer to them), so never rename one: add a new id.
 */

/** `<role prefix>.<slug>`, e.g. `de.schema-validation`; plan additions use the `plan.` prefix. */
export const CHECKLIST_ITEM_ID_PATTERN = /^[a-z][a-z0-9]{1,5}\.[a-z0-9]+(?:-[a-z0-9]+)*$/;

export const checklistItemSchema = z.object({
  id: z.string().regex(CHECKLIST_ITEM_ID_PATTERN).max(60),
  text: z.string().min(1).max(300),
  blocking: z.boolean(),
});
export type ChecklistItem = z.infer<typeof checklistItemSchema>;

/** The id prefix of each role's items. */
export const CHECKLIST_PREFIX: Record<RoleId, string> = {
  'data-engineer': 'de',
  'data-scientist': 'ds',
  'ml-engineer': 'mle',
  'python-pro': 'py',
  'mlops-engineer': 'mlops',
  'kubernetes-architect': 'k8s',
  'observability-engineer': 'obs',
};

const item = (id: string, blocking: boolean, text: string): ChecklistItem => ({ id, text, blocking });

export const ROLE_CHECKLISTS: Record<RoleId, readonly ChecklistItem[]> = {
  'data-engineer': [
    item('de.sources', true, 'Every source named with its owner, format, volume and refresh rate.'),
    item(
      'de.ingestion',
      true,
      'Ingestion per source (batch or streaming) with change capture or incremental loads, and how late or replayed records are handled.',
    ),
    item(
      'de.schema-validation',
      true,
      'Schema written down and validated on arrival, with what happens to records that fail (quarantine, reject, alert).',
    ),
    item(
      'de.dataset-versioning',
      true,
      'Datasets versioned (snapshot or tool named) so every training run can name the exact data it used.',
    ),
    item(
      'de.quality-rules',
      true,
      'Quality rules (nulls, ranges, uniqueness, freshness, volume) with thresholds, and which of them block the pipeline and which only warn.',
    ),
    item(
      'de.storage-layers',
      false,
      'Storage layers (raw, cleaned, feature-ready) with paths or tables, file format and partitioning.',
    ),
    item('de.retention', false, 'Retention and deletion per layer, including personal data.'),
    item(
      'de.lineage',
      false,
      'Lineage from source to feature-ready table, and who is paged when a load fails.',
    ),
    item('de.cost', false, 'Monthly storage and compute cost estimate, with the cheaper option considered.'),
  ],
  'data-scientist': [
    item(
      'ds.features',
      true,
      'Features listed with their source columns, transformation and the leakage check for each.',
    ),
    item(
      'ds.feature-validation',
      true,
      'Validation per feature (expected range or distribution, missing-value policy) that runs before training.',
    ),
    item(
      'ds.feature-store-schema',
      false,
      'Feature-store schema: entities, keys, feature views, data types and freshness for online and offline use.',
    ),
    item(
      'ds.model-choice',
      true,
      'Model families considered and the one chosen, with the reasons tied to the data and constraints.',
    ),
    item(
      'ds.baseline',
      true,
      'The deciding metric, how it is computed, and the baseline it must beat with the margin that counts.',
    ),
    item(
      'ds.evaluation-split',
      true,
      'Evaluation design: splits (time-based where time matters), cross-validation and confidence intervals.',
    ),
    item(
      'ds.experiment-design',
      false,
      'Online experiment design: hypothesis, sample size with the power calculation, duration and stopping rule.',
    ),
    item(
      'ds.bias-checks',
      true,
      'Bias checks: the groups compared, the fairness metrics and the thresholds that block release.',
    ),
    item(
      'ds.error-analysis',
      false,
      'Error analysis plan: the slices to inspect and what would change the model.',
    ),
  ],
  'ml-engineer': [
    item(
      'mle.training-pipeline',
      true,
      'Training pipeline steps from data snapshot to registered model, runnable end to end with one command.',
    ),
    item(
      'mle.reproducibility',
      true,
      'Reproducibility: pinned dependencies, fixed seeds, and the data version recorded with every run.',
    ),
    item(
      'mle.hyperparameter-search',
      false,
      'Hyperparameter search: the space, the strategy, the budget in trials or hours, and early stopping.',
    ),
    item(
      'mle.distributed-training',
      false,
      'Whether distributed or GPU training pays off here, and if so the setup; if not, why not.',
    ),
    item(
      'mle.tracking',
      true,
      'Experiment tracking: what is logged per run (parameters, metrics, artefacts, data version) and where.',
    ),
    item(
      'mle.registry',
      true,
      'Model registry entries: name, version, signature and the metadata stored with each model.',
    ),
    item(
      'mle.promotion-rules',
      true,
      'Promotion rules from candidate to production: metric gates against the current model and who approves.',
    ),
    item(
      'mle.retraining',
      false,
      'Retraining trigger (schedule or drift) and how the new model is compared.',
    ),
    item('mle.cost', false, 'Training cost per run and per month, with the cheaper option considered.'),
  ],
  'python-pro': [
    item(
      'py.package-structure',
      true,
      'Package layout with modules named, entry points, and dependencies pinned in one lock file.',
    ),
    item(
      'py.error-handling',
      true,
      'Error handling: typed exceptions, what is retried, and inputs validated at the boundaries.',
    ),
    item('py.logging', false, 'Structured logging with the fields every line carries and no personal data.'),
    item('py.typing', false, 'Type hints throughout, checked by a type checker in CI.'),
    item(
      'py.tests',
      true,
      'Tests: unit tests for transformations, a training smoke test on a small sample, and an inference contract test.',
    ),
    item(
      'py.performance',
      false,
      'Performance: the hot spots named, measured with a profiler, and the fix for each (vectorising, batching, caching).',
    ),
    item('py.code-quality', false, 'Linting and formatting rules enforced in CI, with the tools named.'),
  ],
  'mlops-engineer': [
    item(
      'mlops.serving',
      true,
      'Serving interface (REST, gRPC, batch or streaming) with request and response schema and the latency target.',
    ),
    item(
      'mlops.rollout',
      true,
      'Rollout strategy (blue-green, canary or shadow) with traffic steps and how long each step lasts.',
    ),
    item(
      'mlops.rollback-trigger',
      true,
      'Rollback trigger: the metric and threshold that roll back automatically, and the manual path.',
    ),
    item(
      'mlops.ci-cd',
      true,
      'CI/CD pipeline stages from commit to production, with the tests and gates at each stage.',
    ),
    item(
      'mlops.infrastructure-as-code',
      false,
      'Infrastructure as code: the tool, the modules and how environments differ.',
    ),
    item(
      'mlops.secrets',
      true,
      'Secrets kept in the secret manager, never in code or images, with least-privilege service accounts.',
    ),
    item(
      'mlops.environments',
      false,
      'Environments (dev, staging, production) and what is promoted between them.',
    ),
    item('mlops.cost', false, 'Serving cost per month and per thousand predictions.'),
  ],
  'kubernetes-architect': [
    item(
      'k8s.manifests',
      true,
      'Manifests or Helm chart for every workload: deployments or jobs, services and config maps.',
    ),
    item(
      'k8s.resources',
      true,
      'Resource requests and limits per container, with the measurement or estimate behind them.',
    ),
    item(
      'k8s.gpu-scheduling',
      false,
      'GPU scheduling: node pools, taints and tolerations, and sharing, or why no GPU is needed.',
    ),
    item(
      'k8s.autoscaling',
      true,
      'Autoscaling: the metric, minimum and maximum replicas or nodes, and scale-down behaviour.',
    ),
    item(
      'k8s.storage',
      false,
      'Storage for data and models: volume classes, sizes, access modes and backups.',
    ),
    item('k8s.availability', false, 'Availability: probes, disruption budgets and spreading across zones.'),
    item('k8s.security', true, 'Security: namespaces, RBAC, network policies and pod security settings.'),
    item('k8s.cost', false, 'Cluster cost per month, with the cheaper node option considered.'),
  ],
  'observability-engineer': [
    item(
      'obs.data-drift',
      true,
      'Data and prediction drift: the features watched, the test or statistic, window and threshold.',
    ),
    item(
      'obs.model-quality',
      false,
      'Model quality once labels arrive: the metric, the delay and the threshold that triggers retraining.',
    ),
    item(
      'obs.latency',
      true,
      'Latency and throughput metrics with percentiles and the service-level objective they serve.',
    ),
    item('obs.dashboards', false, 'Dashboards named, with the panels on each and who looks at them.'),
    item('obs.alerts', true, 'Alerts with thresholds, severity, and who is paged for each.'),
    item(
      'obs.runbooks',
      true,
      'A runbook per alert: first checks, the rollback or mitigation, and when to escalate.',
    ),
    item('obs.cost-tracking', false, 'Cost tracking per component with a budget alert.'),
    item('obs.logging', false, 'Prediction logging for audit and later labelling, with retention.'),
  ],
};

/** The full checklist a role owes. */
export function roleChecklist(role: RoleId): readonly ChecklistItem[] {
  return ROLE_CHECKLISTS[role];
}

/** The item with this id in any role's list, or undefined. */
export function checklistItem(id: string): ChecklistItem | undefined {
  for (const role of ROLE_IDS) {
    const found = ROLE_CHECKLISTS[role].find((i) => i.id === id);
    if (found) return found;
  }
  return undefined;
}

const reasonSchema = z.string().min(1).max(300);

/**
 * How the plan tailors one stage's checklist: items it does not owe here, and items it owes on top, each
 * with a reason. An added item without an id gets `plan.<n>` (its position among the additions, from 1).
 */
export const checklistAdjustmentSchema = z.object({
  drop: z
    .array(z.object({ id: z.string().min(1).max(60), reason: reasonSchema }))
    .max(20)
    .optional(),
  add: z
    .array(
      z.object({
        id: z.string().regex(CHECKLIST_ITEM_ID_PATTERN).max(60).optional(),
        text: z.string().min(1).max(300),
        blocking: z.boolean(),
        reason: reasonSchema,
      }),
    )
    .max(10)
    .optional(),
});
export type ChecklistAdjustment = z.infer<typeof checklistAdjustmentSchema>;

/** The part of a stage the checklist needs; a plan stage fits it. */
export interface ChecklistStage {
  id: string;
  role: RoleId;
  checklist?: ChecklistAdjustment | undefined;
}

function addedId(added: NonNullable<ChecklistAdjustment['add']>[number], index: number): string {
  return added.id ?? `plan.${index + 1}`;
}

/** Everything wrong with one stage's checklist adjustment, as sentences; empty when it is fine. */
export function checklistAdjustmentProblems(stage: ChecklistStage): string[] {
  const adjustment = stage.checklist;
  if (!adjustment) return [];
  const problems: string[] = [];
  const base = ROLE_CHECKLISTS[stage.role];
  const dropped = new Set<string>();
  for (const d of adjustment.drop ?? []) {
    const owed = base.find((i) => i.id === d.id);
    if (!owed)
      problems.push(`stage ${stage.id} drops checklist item ${d.id}, which ${stage.role} does not owe`);
    if (dropped.has(d.id)) problems.push(`stage ${stage.id} drops checklist item ${d.id} twice`);
    dropped.add(d.id);
    if (d.reason.trim() === '') {
      problems.push(
        owed?.blocking
          ? `stage ${stage.id} drops blocking checklist item ${d.id} without a reason`
          : `stage ${stage.id} drops checklist item ${d.id} without a reason`,
      );
    }
  }
  const ids = new Set(base.map((i) => i.id));
  (adjustment.add ?? []).forEach((a, index) => {
    const id = addedId(a, index);
    if (ids.has(id))
      problems.push(`stage ${stage.id} adds checklist item ${id}, which is already on its list`);
    ids.add(id);
    if (a.text.trim() === '') problems.push(`stage ${stage.id} adds checklist item ${id} without text`);
    if (a.reason.trim() === '') problems.push(`stage ${stage.id} adds checklist item ${id} without a reason`);
  });
  return problems;
}

/** A stage's effective checklist: its role's list without the dropped items, then the added ones. */
export function effectiveChecklist(stage: ChecklistStage): ChecklistItem[] {
  const dropped = new Set((stage.checklist?.drop ?? []).map((d) => d.id));
  const kept = ROLE_CHECKLISTS[stage.role].filter((i) => !dropped.has(i.id));
  const added = (stage.checklist?.add ?? []).map((a, index) => ({
    id: addedId(a, index),
    text: a.text,
    blocking: a.blocking,
  }));
  return [...kept, ...added];
}

/** The effective checklist of one stage of a plan (empty when the plan has no such stage). */
export function stageChecklist(
  plan: { stages: readonly ChecklistStage[] },
  stageId: string,
): ChecklistItem[] {
  const stage = plan.stages.find((s) => s.id === stageId);
  return stage ? effectiveChecklist(stage) : [];
}

/** How a stage's list differs from its role's: counts for the plan message. */
export function checklistCounts(stage: ChecklistStage): { items: number; dropped: number; added: number } {
  const droppedIds = new Set((stage.checklist?.drop ?? []).map((d) => d.id));
  const dropped = ROLE_CHECKLISTS[stage.role].filter((i) => droppedIds.has(i.id)).length;
  const added = stage.checklist?.add?.length ?? 0;
  return { items: effectiveChecklist(stage).length, dropped, added };
}
