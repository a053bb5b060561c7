import { PROBLEM_FACTS } from '../signals.js';
import { type DraftInput, pct, type RoleDraft } from './draft.js';

/** The data roles: the data engineer's pipelines and the data scientist's model design. */

export function dataEngineer({ requirements: r, rng, slug }: DraftInput): RoleDraft {
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

export function dataScientist({ requirements: r, problem, rng }: DraftInput): RoleDraft {
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
