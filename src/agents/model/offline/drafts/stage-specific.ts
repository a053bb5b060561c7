import type { DraftInput, RoleDraft } from './draft.js';

/** Drafts for stages the offline plan adds: a fairness review, a model-family experiment. */

/** A fairness review of a trained model (a stage the offline plan adds when fairness is asked for). */
export function fairnessReview({ requirements: r, rng, slug }: DraftInput): RoleDraft {
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
export function modelExperiment({ requirements: r, rng, slug }: DraftInput, family: string): RoleDraft {
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
