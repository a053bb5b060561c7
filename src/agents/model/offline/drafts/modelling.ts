import { type DraftInput, type RoleDraft, target } from './draft.js';

/** The roles that build the model: training pipeline and package. */

export function mlEngineer({ requirements: r, rng, slug }: DraftInput): RoleDraft {
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

export function pythonPro({ requirements: r, rng, slug }: DraftInput): RoleDraft {
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
