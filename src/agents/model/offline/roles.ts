import type { Requirements } from '../../../domain/requirements.js';
import type { RoleId } from '../../../domain/roles.js';
import type { Rng } from './seed.js';
import { PROBLEM_FACTS, type ProblemKind } from './signals.js';

/** The parts of one role's deliverable, before they are laid out as Markdown. */
export interface RoleDraft {
  /** One sentence for the thread. */
  headline: string;
  sections: Array<{ heading: string; lines: string[] }>;
  table: { heading: string; columns: readonly string[]; rows: string[][] };
  code: { heading: string; language: string; body: string };
  risks: string[];
  /** What the next stages need from this one. */
  handover: string[];
  insight: { area: string; text: string; tags: string[] };
}

export interface DraftInput {
  requirements: Requirements;
  problem: ProblemKind;
  rng: Rng;
  /** A short project slug for names (tables, services, packages). */
  slug: string;
}

const pct = (rng: Rng, min: number, max: number) => `${rng.int(min, max)}%`;

/** A constraint as a target to name in a sentence: "not stated; assumed p99 under 200 ms" → "p99 under 200 ms". */
function target(constraint: string): string {
  return constraint.replace(/^not stated;\s*(?:assumed\s*)?/i, '');
}

function dataEngineer({ requirements: r, rng, slug }: DraftInput): RoleDraft {
  const sources = r.dataSources.length > 0 ? r.dataSources : ['the warehouse table named in phase 1'];
  const nullLimit = rng.int(1, 5);
  const fresh = rng.pick(['6 hours', '24 hours', '12 hours']);
  const format = rng.pick(['Parquet', 'Delta Lake', 'Iceberg']);
  return {
    headline: `Ingestion from ${sources.join(', ')} into versioned ${format} layers on ${r.stack.cloud}, with quality gates that block bad loads.`,
    sections: [
      {
        heading: 'Sources and ingestion',
        lines: sources.map(
          (s) => `- **${s}**: incremental extract on an updated-at watermark, landed raw every ${fresh}.`,
        ),
      },
      {
        heading: 'Storage layers',
        lines: [
          `- \`raw/\`: as extracted, immutable, partitioned by load date (${format}).`,
          `- \`clean/\`: typed, deduplicated, personal fields hashed (${r.constraints.compliance}).`,
          `- \`features/\`: joined per entity and day, ready for ${r.stack.featureStore}.`,
          `Each load is a snapshot id, so every model names the exact data it saw.`,
        ],
      },
    ],
    table: {
      heading: 'Quality gates',
      columns: ['check', 'threshold', 'on failure'],
      rows: [
        ['schema matches contract', 'exact', 'block the load'],
        ['null rate of key columns', `< ${nullLimit}%`, 'block the load'],
        ['row count vs 7-day mean', `± ${pct(rng, 15, 30)}`, 'warn, load continues'],
        ['freshness of newest row', `< ${fresh}`, 'block downstream training'],
      ],
    },
    code: {
      heading: 'Validation query run after each load',
      language: 'sql',
      body: `-- fails the load when any gate is breached
SELECT
  COUNT(*)                                        AS rows_loaded,
  AVG(CASE WHEN entity_id IS NULL THEN 1 ELSE 0 END) * 100 AS null_pct,
  MAX(updated_at)                                 AS newest_row
FROM clean.${slug}_snapshot
WHERE load_date = CURRENT_DATE
HAVING AVG(CASE WHEN entity_id IS NULL THEN 1 ELSE 0 END) * 100 >= ${nullLimit};`,
    },
    risks: [
      `Upstream schema changes in ${sources[0]} would block loads until the contract is updated.`,
      'Late-arriving rows can shift labels; the label window closes 7 days after the event.',
    ],
    handover: [
      `Clean snapshot table: \`clean.${slug}_snapshot\`, keyed by \`entity_id\` and \`load_date\`.`,
      `Snapshot ids are recorded with every load for reproducible training.`,
    ],
    insight: {
      area: 'data quality',
      text: `Blocking gates on null rate (< ${nullLimit}%) and freshness (< ${fresh}) catch most bad loads before training sees them.`,
      tags: ['data-quality', format.toLowerCase().replace(/\s+/g, '-'), r.stack.cloud],
    },
  };
}

function dataScientist({ requirements: r, problem, rng }: DraftInput): RoleDraft {
  const facts = PROBLEM_FACTS[problem];
  const features = rng.sample(facts.features, 5);
  const family = rng.pick(facts.families);
  const sample = rng.int(8, 40) * 1000;
  return {
    headline: `${family} on ${features.length} features, judged on ${r.targetMetric} against ${r.baseline}, with an A/B test of ${sample.toLocaleString('en-US')} users per arm.`,
    sections: [
      {
        heading: 'Model choice',
        lines: [
          `Start with **${family}**: strong on tabular signals, cheap to serve, explainable per prediction.`,
          `Alternatives considered: ${facts.families.filter((f) => f !== family).join('; ')}.`,
        ],
      },
      {
        heading: 'Metric and experiment design',
        lines: [
          `- Deciding metric: **${r.targetMetric}**, on a time-based hold-out (the most recent month).`,
          `- Baseline: ${r.baseline}.`,
          `- Online: A/B test, ${sample.toLocaleString('en-US')} per arm for 80% power at α = 0.05.`,
        ],
      },
      {
        heading: 'Bias checks',
        lines: [
          `- ${r.targetMetric} and false-positive rate per segment (region, age band, tenure).`,
          `- Flag any segment whose error rate exceeds the overall rate by more than 25%.`,
        ],
      },
    ],
    table: {
      heading: `Features (feature store: ${r.stack.featureStore})`,
      columns: ['feature', 'type', 'validation'],
      rows: features.map((f, i) => [
        `\`${f}\``,
        i % 3 === 2 ? 'categorical' : 'numeric',
        i % 3 === 2 ? 'known categories only' : `within p1–p99 of training, nulls < ${rng.int(1, 3)}%`,
      ]),
    },
    code: {
      heading: 'Feature view',
      language: 'python',
      body: `from datetime import timedelta

from feast import Entity, FeatureView, Field
from feast.types import Float32, Int64, String

entity = Entity(name="entity", join_keys=["entity_id"])

features = FeatureView(
    name="${problem}_features",
    entities=[entity],
    ttl=timedelta(days=${rng.int(2, 14)}),
    schema=[
${features.map((f, i) => `        Field(name="${f}", dtype=${i % 3 === 2 ? 'String' : i % 2 === 0 ? 'Float32' : 'Int64'}),`).join('\n')}
    ],
)`,
    },
    risks: [
      'Label leakage through features computed after the prediction date; every feature is computed as of that date.',
      `The baseline (${r.baseline}) must be measured on the same hold-out before any claim of improvement.`,
    ],
    handover: [
      `Feature view \`${problem}_features\`; model family: ${family}.`,
      `Evaluation: ${r.targetMetric} on the most recent month, bias table per segment.`,
    ],
    insight: {
      area: 'modelling',
      text: `${family} is the first choice for ${facts.noun}; a time-based hold-out keeps ${r.targetMetric} honest.`,
      tags: ['model-choice', problem, r.targetMetric.toLowerCase().replace(/[^a-z0-9@.-]+/g, '-')],
    },
  };
}

function mlEngineer({ requirements: r, rng, slug }: DraftInput): RoleDraft {
  const trials = rng.pick([40, 60, 100]);
  const lr = rng.pick(['0.01–0.2', '0.005–0.1', '0.02–0.3']);
  return {
    headline: `Training pipeline on ${r.stack.orchestration} with ${trials} search trials tracked in ${r.stack.experimentTracking}, and a registry that promotes only models that beat the baseline.`,
    sections: [
      {
        heading: 'Training pipeline',
        lines: [
          `1. Read the feature snapshot by id. 2. Split by time. 3. Search. 4. Evaluate. 5. Register.`,
          `Runs on ${r.stack.orchestration}; each run logs params, metrics and the data snapshot to ${r.stack.experimentTracking}.`,
        ],
      },
      {
        heading: 'Promotion rules',
        lines: [
          `- Candidate → staging: ${r.targetMetric} beats the baseline on the hold-out.`,
          '- Staging → production: bias checks pass and a human approves the deployment stage.',
        ],
      },
    ],
    table: {
      heading: 'Search space',
      columns: ['parameter', 'range', 'scale'],
      rows: [
        ['learning_rate', lr, 'log'],
        ['num_leaves', `${rng.int(15, 31)}–${rng.int(96, 255)}`, 'int'],
        ['min_child_samples', '10–200', 'log'],
        ['feature_fraction', '0.5–1.0', 'linear'],
      ],
    },
    code: {
      heading: 'Pipeline definition',
      language: 'python',
      body: `from airflow.decorators import dag, task
import pendulum


@dag(schedule="@weekly", start_date=pendulum.datetime(2025, 1, 1), catchup=False, tags=["${slug}"])
def train_${slug.replace(/-/g, '_')}():
    @task
    def search(snapshot_id: str) -> str:
        """Runs ${trials} trials and returns the best run id (tracked in ${r.stack.experimentTracking})."""
        ...

    @task
    def register(run_id: str) -> None:
        """Registers the model as a candidate if ${r.targetMetric} beats the baseline."""
        ...

    register(search("{{ var.value.latest_snapshot }}"))


train_${slug.replace(/-/g, '_')}()`,
    },
    risks: [
      `${trials} trials on the full dataset may take hours; the search runs on a 20% sample first.`,
      'A registry without promotion rules lets untested models reach production; the rules above are enforced in CI.',
    ],
    handover: [
      `Registered model name: \`${slug}\`; stages candidate, staging, production.`,
      `Experiment: \`${slug}-training\` in ${r.stack.experimentTracking}.`,
    ],
    insight: {
      area: 'training',
      text: `A ${trials}-trial search on a 20% sample, then a refit on all data, keeps training under an hour.`,
      tags: ['hyperparameter-search', r.stack.experimentTracking, r.stack.orchestration],
    },
  };
}

function pythonPro({ requirements: r, rng, slug }: DraftInput): RoleDraft {
  const pkg = slug.replace(/-/g, '_');
  const coverage = rng.int(80, 92);
  return {
    headline: `Package \`${pkg}\` with typed modules, structured logging, and tests that hold coverage at ${coverage}%.`,
    sections: [
      {
        heading: 'Structure',
        lines: [
          `- \`src/${pkg}/features.py\`: feature building, pure functions.`,
          `- \`src/${pkg}/train.py\`: the training entry point.`,
          `- \`src/${pkg}/serve.py\`: loading the model and predicting.`,
          `- \`tests/\`: unit tests and a golden-file test of predictions.`,
        ],
      },
      {
        heading: 'Error handling and logging',
        lines: [
          'Inputs are validated with pydantic at the boundary; errors carry a code and are logged once, as JSON.',
          `Hot path: feature building vectorised with NumPy; p95 of a single prediction measured in CI against ${target(r.constraints.latency)}.`,
        ],
      },
    ],
    table: {
      heading: 'Modules and their tests',
      columns: ['module', 'responsibility', 'tests'],
      rows: [
        ['features.py', 'feature building', 'property tests on edge values'],
        ['train.py', 'fit and evaluate', 'smoke test on a 1k-row sample'],
        ['serve.py', 'load and predict', 'golden predictions, latency budget'],
      ],
    },
    code: {
      heading: 'Prediction entry point',
      language: 'python',
      body: `from __future__ import annotations

import logging
from dataclasses import dataclass

log = logging.getLogger("${pkg}.serve")


@dataclass(frozen=True)
class Prediction:
    entity_id: str
    score: float
    model_version: str


def predict(model, entity_id: str, features: dict[str, float]) -> Prediction:
    """Scores one entity; raises ValueError on a missing feature instead of guessing."""
    missing = [name for name in model.feature_names if name not in features]
    if missing:
        raise ValueError(f"missing features: {missing}")
    score = float(model.predict_proba([[features[n] for n in model.feature_names]])[0][1])
    log.info("scored", extra={"entity_id": entity_id, "score": round(score, 4)})
    return Prediction(entity_id, score, model.version)`,
    },
    risks: [
      'Model and code versions can drift apart; the model artefact records the package version it needs.',
    ],
    handover: [`Wheel \`${pkg}\` built in CI; \`serve.predict\` is the only entry point serving needs.`],
    insight: {
      area: 'code quality',
      text: 'Failing loudly on a missing feature is safer than imputing at serving time: it surfaces pipeline breaks at once.',
      tags: ['python', 'testing', 'logging'],
    },
  };
}

function mlopsEngineer({ requirements: r, rng, slug }: DraftInput): RoleDraft {
  const strategy = rng.pick(['canary', 'blue-green', 'shadow'] as const);
  const steps =
    strategy === 'canary'
      ? [
          ['1', '5%', '30 min', `error rate > 1% or latency over ${target(r.constraints.latency)}`],
          ['2', '25%', '2 h', `${r.targetMetric} proxy drops > 5%`],
          ['3', '100%', '24 h', 'any alert from phase 4'],
        ]
      : strategy === 'blue-green'
        ? [
            ['1', 'green gets 0%, smoke tests', '15 min', 'any failing smoke test'],
            ['2', 'switch 100% to green', '1 h', 'error rate > 1%'],
            ['3', 'retire blue', '24 h', 'rollback window closes'],
          ]
        : [
            ['1', 'shadow 100%, no responses used', '48 h', 'prediction disagreement > 10%'],
            ['2', 'canary 10%', '4 h', 'error rate > 1%'],
            ['3', '100%', '24 h', 'any alert from phase 4'],
          ];
  return {
    headline: `${r.stack.deploymentMode} serving on ${r.stack.serving} with a ${strategy} rollout, CI/CD and infrastructure as code; nothing is deployed before approval.`,
    sections: [
      {
        heading: 'Serving',
        lines: [
          `- Mode: **${r.stack.deploymentMode}** on ${r.stack.serving} (${r.stack.cloud}).`,
          `- Interface: ${r.stack.deploymentMode === 'batch' ? 'a scheduled job writing scores to a table' : 'REST `POST /v1/predict`, JSON in and out'}.`,
          `- Latency constraint: ${target(r.constraints.latency)}.`,
        ],
      },
      {
        heading: 'CI/CD',
        lines: [
          'Every merge builds the image, runs the tests and a load test, and deploys to staging.',
          'Production deploys only from a registered model in the production stage, after a human approval.',
        ],
      },
    ],
    table: {
      heading: `Rollout (${strategy})`,
      columns: ['step', 'traffic', 'hold', 'rollback trigger'],
      rows: steps,
    },
    code: {
      heading: 'Inference service',
      language: 'yaml',
      body: `apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata:
  name: ${slug}
  annotations:
    serving.kserve.io/deploymentMode: ${r.stack.deploymentMode === 'batch' ? 'RawDeployment' : 'Serverless'}
spec:
  predictor:
    minReplicas: ${rng.int(2, 3)}
    maxReplicas: ${rng.int(6, 12)}
    model:
      modelFormat:
        name: lightgbm
      storageUri: s3://models/${slug}/production
      resources:
        requests: { cpu: "500m", memory: 1Gi }
        limits: { cpu: "2", memory: 2Gi }`,
    },
    risks: [
      `Rollback is automatic on the triggers above; a manual rollback is one command (\`kubectl rollout undo\`).`,
      `Cold starts may miss the latency target (${target(r.constraints.latency)}); minimum replicas stay above zero.`,
    ],
    handover: [`Service \`${slug}\`; metrics exposed on \`/metrics\`; rollout strategy ${strategy}.`],
    insight: {
      area: 'deployment',
      text: `A ${strategy} rollout with automatic rollback triggers lets a model change go out without a maintenance window.`,
      tags: [strategy, r.stack.serving, 'ci-cd'],
    },
  };
}

function kubernetesArchitect({ requirements: r, rng, slug }: DraftInput): RoleDraft {
  const cpuTarget = rng.int(55, 75);
  const max = rng.int(6, 16);
  return {
    headline: `Kubernetes design for ${slug}: autoscaling at ${cpuTarget}% CPU up to ${max} replicas, GPU only for training, within ${target(r.constraints.budget)}.`,
    sections: [
      {
        heading: 'Workloads',
        lines: [
          '- Serving: CPU nodes, a Deployment per model version behind one Service.',
          '- Training: a GPU node pool that scales to zero between runs (taints keep other pods off).',
        ],
      },
      {
        heading: 'Storage',
        lines: [
          `- Models: object storage on ${r.stack.cloud}, read-only to serving pods.`,
          '- Scratch for training: ephemeral volumes; nothing stateful runs in the cluster.',
        ],
      },
    ],
    table: {
      heading: 'Resources',
      columns: ['workload', 'requests', 'limits', 'replicas'],
      rows: [
        ['serving', '500m CPU, 1 GiB', '2 CPU, 2 GiB', `2–${max}`],
        ['training', '4 CPU, 16 GiB, 1 GPU', '8 CPU, 32 GiB, 1 GPU', '0–2'],
        ['batch scoring', '1 CPU, 4 GiB', '2 CPU, 8 GiB', '0–4'],
      ],
    },
    code: {
      heading: 'Autoscaling',
      language: 'yaml',
      body: `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: ${slug}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: ${slug}
  minReplicas: 2
  maxReplicas: ${max}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: ${cpuTarget}`,
    },
    risks: [
      `GPU nodes are the main cost; they scale to zero and are capped at 2 to stay within ${target(r.constraints.budget)}.`,
    ],
    handover: [`Namespace \`${slug}\`; Helm chart \`charts/${slug}\`; HPA target ${cpuTarget}% CPU.`],
    insight: {
      area: 'capacity',
      text: `A GPU pool that scales to zero, tainted for training only, keeps GPU cost to the hours training actually runs.`,
      tags: ['kubernetes', 'gpu', 'autoscaling'],
    },
  };
}

function observabilityEngineer({ requirements: r, rng, slug }: DraftInput): RoleDraft {
  const psi = rng.pick(['0.1', '0.2', '0.25']);
  const errorRate = rng.pick(['1%', '2%', '0.5%']);
  return {
    headline: `${r.stack.monitoring} monitoring of ${slug}: drift (PSI > ${psi}), latency against ${target(r.constraints.latency)}, errors over ${errorRate}, and cost per day.`,
    sections: [
      {
        heading: 'Signals',
        lines: [
          `- Data drift: PSI per feature, daily, against the training snapshot.`,
          `- Prediction drift: score distribution and positive rate, hourly.`,
          `- Serving: request rate, error rate, latency histogram (p50, p95, p99).`,
          `- Cost: compute and storage per day, tagged by stage.`,
        ],
      },
      {
        heading: 'Dashboards',
        lines: [
          `One dashboard per model version: traffic, latency, drift, and ${r.targetMetric} once labels arrive.`,
        ],
      },
    ],
    table: {
      heading: 'Alerts',
      columns: ['alert', 'threshold', 'severity', 'who is paged'],
      rows: [
        ['HighErrorRate', `> ${errorRate} for 5 min`, 'page', 'on-call ML engineer'],
        ['LatencyBudget', `over ${target(r.constraints.latency)} for 10 min`, 'page', 'on-call ML engineer'],
        ['FeatureDrift', `PSI > ${psi}`, 'ticket', 'data scientist'],
        ['DailyCost', `over ${target(r.constraints.budget)}`, 'ticket', 'project owner'],
      ],
    },
    code: {
      heading: 'Alert rules',
      language: 'yaml',
      body: `groups:
  - name: ${slug}
    rules:
      - alert: HighErrorRate
        expr: sum(rate(http_requests_total{service="${slug}",code=~"5.."}[5m])) / sum(rate(http_requests_total{service="${slug}"}[5m])) > ${Number.parseFloat(errorRate) / 100}
        for: 5m
        labels: { severity: page }
      - alert: FeatureDrift
        expr: max by (feature) (model_feature_psi{model="${slug}"}) > ${psi}
        for: 1h
        labels: { severity: ticket }`,
    },
    risks: [
      'Labels arrive late, so the deciding metric lags; drift alerts are the early warning until then.',
    ],
    handover: [`Dashboard \`${slug} / overview\`; alert group \`${slug}\` in ${r.stack.monitoring}.`],
    insight: {
      area: 'monitoring',
      text: `PSI above ${psi} on any top feature preceded most quality drops; alert on it as a ticket, not a page.`,
      tags: ['drift', r.stack.monitoring, 'alerting'],
    },
  };
}

/** Each role's draft: what that specialist would deliver for these requirements. */
export const ROLE_DRAFTS: Readonly<Record<RoleId, (input: DraftInput) => RoleDraft>> = {
  'data-engineer': dataEngineer,
  'data-scientist': dataScientist,
  'ml-engineer': mlEngineer,
  'python-pro': pythonPro,
  'mlops-engineer': mlopsEngineer,
  'kubernetes-architect': kubernetesArchitect,
  'observability-engineer': observabilityEngineer,
};

/** A fairness review of a trained model (a stage the offline plan adds when fairness is asked for). */
function fairnessReview({ requirements: r, rng, slug }: DraftInput): RoleDraft {
  const groups = rng.sample(['age band', 'region', 'gender', 'tenure band', 'device type'], 3);
  const worst = rng.int(105, 124) / 100;
  return {
    headline: `Fairness review of ${slug} across ${groups.join(', ')}: the worst group's false-positive rate is ${worst}× the overall rate, within the 1.25× limit.`,
    sections: [
      {
        heading: 'Method',
        lines: [
          `- Error rates, calibration and ${r.targetMetric} per ${groups.join(', ')} on the hold-out month.`,
          '- Groups under 500 examples are merged with their neighbour so the rates are not noise.',
        ],
      },
      {
        heading: 'Findings',
        lines: [
          `The largest gap is in ${groups[0]}: ${worst}× the overall false-positive rate, inside the 1.25× limit.`,
          'Calibration is within 2 points in every group; no feature is a direct proxy of a protected attribute.',
        ],
      },
    ],
    table: {
      heading: 'Per-group results',
      columns: ['group', 'false-positive rate ÷ overall', r.targetMetric, 'verdict'],
      rows: groups.map((g, i) => [
        g,
        `${i === 0 ? worst : rng.int(92, 110) / 100}×`,
        (rng.int(70, 90) / 100).toFixed(2),
        'within limit',
      ]),
    },
    code: {
      heading: 'Check run in CI before promotion',
      language: 'python',
      body: `import pandas as pd


def fairness_gaps(scored: pd.DataFrame, group: str, threshold: float = 0.5) -> pd.Series:
    """False-positive rate of each group divided by the overall rate."""
    negatives = scored[scored["label"] == 0]
    flagged = negatives["score"] >= threshold
    overall = flagged.mean()
    return flagged.groupby(negatives[group]).mean() / overall


assert (fairness_gaps(scored, "${groups[0]?.replace(/\s+/g, '_')}") <= 1.25).all()`,
    },
    risks: ['Group labels are self-reported and incomplete; gaps in unlabelled rows are unknown.'],
    handover: [`Fairness check \`fairness_gaps\` gates promotion; limit 1.25× per group.`],
    insight: {
      area: 'fairness',
      text: `Merging small groups before comparing rates avoids false alarms; ${groups[0]} showed the largest gap.`,
      tags: ['fairness', 'bias', 'evaluation'],
    },
  };
}

/** One model family trained and evaluated in parallel with others (the offline plan's experiments). */
function modelExperiment({ requirements: r, rng, slug }: DraftInput, family: string): RoleDraft {
  const score = (rng.int(72, 88) / 100).toFixed(2);
  const half = (rng.int(1, 3) / 100).toFixed(2);
  const minutes = rng.int(6, 45);
  return {
    headline: `${family}: ${r.targetMetric} ${score} ± ${half} on the hold-out month, ${minutes} minutes to train.`,
    sections: [
      {
        heading: 'Setup',
        lines: [
          `- Same features and time split as every experiment, so the results compare.`,
          `- Tracked in ${r.stack.experimentTracking} under \`${slug}-experiments\`.`,
        ],
      },
      {
        heading: 'Result',
        lines: [`${r.targetMetric} ${score} with a 95% interval of ± ${half} (bootstrap, 1,000 resamples).`],
      },
    ],
    table: {
      heading: 'Measurements',
      columns: ['measure', 'value'],
      rows: [
        [r.targetMetric, `${score} ± ${half}`],
        ['training time', `${minutes} min`],
        ['model size', `${rng.int(2, 80)} MB`],
      ],
    },
    code: {
      heading: 'Evaluation',
      language: 'python',
      body: `import numpy as np
from sklearn.metrics import roc_auc_score


def bootstrap_interval(labels: np.ndarray, scores: np.ndarray, n: int = 1000, seed: int = 7) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    draws = [roc_auc_score(labels[idx], scores[idx]) for idx in (rng.integers(0, len(labels), len(labels)) for _ in range(n))]
    return float(np.percentile(draws, 2.5)), float(np.percentile(draws, 97.5))`,
    },
    risks: [
      'One hold-out month may flatter a family that fits its season; a second month confirms the winner.',
    ],
    handover: [
      `Run \`${slug}-experiments/${family.replace(/\W+/g, '-').toLowerCase()}\`: ${r.targetMetric} ${score} ± ${half}.`,
    ],
    insight: {
      area: 'experiments',
      text: `${family} scored ${r.targetMetric} ${score} ± ${half}; report intervals, not single numbers, when comparing families.`,
      tags: ['experiment', r.stack.experimentTracking],
    },
  };
}

/** The draft for one stage: its role's, or a stage-specific one for a review or an experiment. */
export function draftFor(stage: { id: string; role: RoleId; task: string }, input: DraftInput): RoleDraft {
  if (stage.role === 'data-scientist' && /fairness|bias/i.test(stage.id)) return fairnessReview(input);
  if (stage.role === 'ml-engineer' && /experiment/i.test(stage.id)) {
    const family =
      /Train and evaluate (.+?) on /.exec(stage.task)?.[1] ??
      input.rng.pick(['gradient-boosted trees', 'a linear baseline']);
    return modelExperiment(input, family.charAt(0).toUpperCase() + family.slice(1));
  }
  return ROLE_DRAFTS[stage.role](input);
}
