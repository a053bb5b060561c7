import { DEFAULT_STACK, STACK_CHOICES, type Stack } from '../../../domain/requirements.js';

/** The kind of problem a request describes, for sensible defaults (metric, model families, features). */
export type ProblemKind =
  | 'churn'
  | 'fraud'
  | 'forecast'
  | 'recommendation'
  | 'pricing'
  | 'text'
  | 'vision'
  | 'classification';

/**
 * What a request (and the requester's answers) says, read from the words the requester wrote: which
 * requirements are stated, and which the offline project manager still has to ask about or assume.
 */
export interface RequestSignals {
  problem: ProblemKind;
  dataSources: string[];
  /** The latency asked for, as written ("p99 under 100 ms"); undefined when not stated. */
  latency: string | undefined;
  budget: string | undefined;
  compliance: string | undefined;
  fairness: boolean;
  metric: string | undefined;
  baseline: string | undefined;
  /** Stack choices the requester named. */
  stack: Partial<Stack>;
  /** Analysis or a prototype only: nothing to serve or operate. */
  noServing: boolean;
  /** Several model families to be compared. */
  compareModels: boolean;
  /** Kubernetes, GPUs or a cluster were named. */
  mentionsCluster: boolean;
}

const SOURCES: ReadonlyArray<[RegExp, string]> = [
  [/\bpostgres(?:ql)?\b/i, 'PostgreSQL'],
  [/\bmysql\b/i, 'MySQL'],
  [/\bsnowflake\b/i, 'Snowflake'],
  [/\bbig ?query\b/i, 'BigQuery'],
  [/\bredshift\b/i, 'Redshift'],
  [/\bs3\b/i, 'S3'],
  [/\bgcs\b|google cloud storage/i, 'Google Cloud Storage'],
  [/\bkafka\b/i, 'Kafka'],
  [/\bkinesis\b/i, 'Kinesis'],
  [/\bmongo(?:db)?\b/i, 'MongoDB'],
  [/\bsalesforce\b/i, 'Salesforce'],
  [/\bcsv\b/i, 'CSV exports'],
  [/\bparquet\b/i, 'Parquet files'],
  [/\bdata ?lake\b/i, 'the data lake'],
  [/\b(?:data )?warehouse\b/i, 'the data warehouse'],
  [/\bclickstream\b/i, 'clickstream events'],
  [/\b(?:event|application|server) logs?\b/i, 'application logs'],
];

const METRICS: ReadonlyArray<[RegExp, string]> = [
  [/\b(?:roc[- ]?)?auc\b/i, 'AUC'],
  [/\bpr[- ]auc\b/i, 'PR-AUC'],
  [/\bf1\b/i, 'F1'],
  [/\bprecision\b/i, 'precision'],
  [/\brecall\b/i, 'recall'],
  [/\baccuracy\b/i, 'accuracy'],
  [/\brmse\b/i, 'RMSE'],
  [/\bmae\b/i, 'MAE'],
  [/\bmape\b/i, 'MAPE'],
  [/\bndcg\b/i, 'NDCG@10'],
  [/\blog ?loss\b/i, 'log loss'],
];

const PROBLEMS: ReadonlyArray<[RegExp, ProblemKind]> = [
  [/\bchurn\w*/i, 'churn'],
  [/\bfraud\w*|\banomal\w*/i, 'fraud'],
  [/\bforecast\w*|\bdemand\b|\btime[- ]series\b/i, 'forecast'],
  [/\brecommend\w*|\branking\b|\bpersonali[sz]\w*/i, 'recommendation'],
  [/\bpric(?:e|es|ing)\b|\bregression\b/i, 'pricing'],
  [/\btext\b|\bnlp\b|\bsentiment\b|\btickets?\b|\bemails?\b|\bllm\b/i, 'text'],
  [/\bimages?\b|\bvision\b|\bphotos?\b|\bvideo\b/i, 'vision'],
];

/** Aliases of stack choices as people write them (the choices' own names are matched as words too). */
const STACK_ALIASES: ReadonlyArray<[keyof Stack, RegExp, string]> = [
  ['cloud', /\bamazon\b|\baws\b/i, 'aws'],
  ['cloud', /\bgoogle cloud\b|\bgcp\b/i, 'gcp'],
  ['cloud', /\bazure\b/i, 'azure'],
  // Explicit serving words first; "daily" or "nightly" alone often describes the data ("refreshed
  // daily"), so it decides only when nothing else was said.
  ['deploymentMode', /\bbatch\b/i, 'batch'],
  ['deploymentMode', /\breal[- ]?time\b|\bonline\b|\bapi\b|\bendpoint\b/i, 'realtime'],
  ['deploymentMode', /\bstream(?:ing|s)?\b|\bkafka\b|\bkinesis\b/i, 'streaming'],
  ['deploymentMode', /\bnightly\b|\bdaily\b|\bweekly\b|\bovernight\b/i, 'batch'],
  ['experimentTracking', /\bweights (?:and|&) biases\b|\bw&b\b/i, 'wandb'],
  ['monitoring', /\bnew ?relic\b/i, 'newrelic'],
  ['monitoring', /\bgrafana\b/i, 'prometheus'],
];

const LATENCY = [
  /\bp(?:50|90|95|99(?:\.9)?)\b[^.;\n]{0,24}?\d+(?:\.\d+)?\s*(?:ms|milliseconds?|s|seconds?)\b/i,
  /\b(?:under|below|within|less than|<)\s*\d+(?:\.\d+)?\s*(?:ms|milliseconds?)\b/i,
  /\b\d+(?:\.\d+)?\s*(?:ms|milliseconds?)\b/i,
  /\blow[- ]latency\b|\blatency\b/i,
];

const BUDGET = [
  /(?:[$€£]\s?\d[\d,.]*\s*[km]?|\b\d[\d,.]*\s*[km]?\s*(?:usd|eur|gbp|dollars|euros))(?:\s*(?:\/|per|a)\s*(?:month|mo|year|yr|day|week))?/i,
  /\bbudget\b[^.;\n]{0,60}/i,
];

const COMPLIANCE: ReadonlyArray<[RegExp, string]> = [
  [/\bgdpr\b/i, 'GDPR'],
  [/\bhipaa\b/i, 'HIPAA'],
  [/\bsoc ?2\b/i, 'SOC 2'],
  [/\bpci(?:[- ]dss)?\b/i, 'PCI DSS'],
  [/\bccpa\b/i, 'CCPA'],
  [/\biso ?27001\b/i, 'ISO 27001'],
  [/\bpii\b|\bpersonal data\b/i, 'personal data handled under the company privacy policy'],
];

const FAIRNESS =
  /\bfair(?:ness|ly)?\b|\bbias(?:ed)?\b|\bprotected (?:group|attribute|class)\w*|\bdiscriminat\w*|\bdemographic parity\b|\bequal opportunity\b/i;
const NO_SERVING =
  /\banaly[sz](?:is|e)\b|\breport\b|\bprototype\b|\bproof of concept\b|\bpoc\b|\bnotebook\b|\bexplor\w*|\bone[- ]off\b/i;
const SERVING =
  /\bserv(?:e|ed|ing)\b|\bapi\b|\bdeploy\w*|\bproduction\b|\bendpoint\b|\breal[- ]?time\b|\bstream\w*/i;
const COMPARE = /\bcompar\w*|\bseveral models\b|\bmodel families\b|\bbenchmark\w*|\bversus\b|\bvs\.?\s/i;
const CLUSTER = /\bkubernetes\b|\bk8s\b|\bgpus?\b|\bcluster\b|\bhelm\b/i;

function firstMatch(text: string, patterns: readonly RegExp[]): string | undefined {
  for (const p of patterns) {
    const m = p.exec(text);
    if (m) return m[0].trim();
  }
  return undefined;
}

/** Every source named, with a table when one is named beside it ("table subscriptions"). */
function sourcesOf(text: string): string[] {
  const table = /\btables?\s+[`"']?([A-Za-z_]\w{0,60}(?:\.[A-Za-z_]\w{0,60})?)/i.exec(text)?.[1];
  const found = SOURCES.filter(([p]) => p.test(text)).map(([, name]) => name);
  if (table) {
    const [first, ...rest] = found;
    return [`${first ?? 'the database'}: table ${table}`, ...rest];
  }
  return found;
}

function stackOf(text: string): Partial<Stack> {
  const stack: Partial<Stack> = {};
  const set = (key: keyof Stack, value: string) => {
    if (stack[key] === undefined && (STACK_CHOICES[key] as readonly string[]).includes(value))
      Object.assign(stack, { [key]: value });
  };
  for (const key of Object.keys(STACK_CHOICES) as Array<keyof Stack>) {
    for (const value of STACK_CHOICES[key]) {
      if (value === 'custom' || value === 'batch' || value === 'realtime') continue;
      if (new RegExp(`\\b${value.replace('-', '[- ]?')}\\b`, 'i').test(text)) set(key, value);
    }
  }
  for (const [key, pattern, value] of STACK_ALIASES) if (pattern.test(text)) set(key, value);
  return stack;
}

/** Reads what the requester wrote. Pure: the same words always give the same signals. */
export function readSignals(text: string): RequestSignals {
  const baseline = /\bbaseline\b(?:\s+(?:is|of|at))?\s*:?\s*([^.;\n]{3,120})/i.exec(text)?.[1]?.trim();
  const beats = /\b(?:beat|better than|improve on|replace)\s+(?:the\s+)?([^.;\n]{3,120})/i
    .exec(text)?.[1]
    ?.trim();
  return {
    problem: PROBLEMS.find(([p]) => p.test(text))?.[1] ?? 'classification',
    dataSources: sourcesOf(text),
    latency: firstMatch(text, LATENCY),
    budget: firstMatch(text, BUDGET),
    compliance:
      COMPLIANCE.filter(([p]) => p.test(text))
        .map(([, name]) => name)
        .join(', ') || undefined,
    fairness: FAIRNESS.test(text),
    metric: METRICS.find(([p]) => p.test(text))?.[1],
    baseline: baseline ?? beats,
    stack: stackOf(text),
    noServing: NO_SERVING.test(text) && !SERVING.test(text),
    compareModels: COMPARE.test(text),
    mentionsCluster: CLUSTER.test(text),
  };
}

/** The stack: what the requester named, the defaults for the rest. */
export function stackFrom(signals: RequestSignals): Stack {
  return { ...DEFAULT_STACK, ...signals.stack };
}

/** Facts about each kind of problem: the metric that usually decides, model families and features. */
export const PROBLEM_FACTS: Readonly<
  Record<
    ProblemKind,
    {
      metric: string;
      noun: string;
      families: readonly [string, ...string[]];
      features: readonly [string, ...string[]];
    }
  >
> = {
  churn: {
    metric: 'AUC',
    noun: 'subscribers likely to churn',
    families: ['gradient-boosted trees (LightGBM)', 'logistic regression with splines', 'XGBoost'],
    features: [
      'tenure_days',
      'sessions_last_30d',
      'plan_changes_90d',
      'support_tickets_30d',
      'days_since_last_login',
      'payment_failures_90d',
    ],
  },
  fraud: {
    metric: 'PR-AUC',
    noun: 'fraudulent transactions',
    families: [
      'gradient-boosted trees (XGBoost)',
      'isolation forest',
      'a shallow neural network on embeddings',
    ],
    features: [
      'amount_zscore',
      'txn_count_1h',
      'new_device',
      'merchant_risk',
      'geo_distance_km',
      'account_age_days',
    ],
  },
  forecast: {
    metric: 'MAPE',
    noun: 'demand per item and day',
    families: ['LightGBM on lag features', 'Prophet', 'a temporal fusion transformer'],
    features: ['lag_7', 'lag_28', 'rolling_mean_14', 'day_of_week', 'holiday_flag', 'price_change_pct'],
  },
  recommendation: {
    metric: 'NDCG@10',
    noun: 'items each user is likely to pick',
    families: ['two-tower retrieval with a ranking GBM', 'implicit ALS', 'a sequential transformer'],
    features: [
      'user_embedding',
      'item_embedding',
      'recency_days',
      'category_affinity',
      'popularity_7d',
      'price_bucket',
    ],
  },
  pricing: {
    metric: 'RMSE',
    noun: 'the price each listing should carry',
    families: ['gradient-boosted regression (CatBoost)', 'elastic-net regression', 'a quantile GBM'],
    features: ['size_sqm', 'location_cluster', 'season', 'competitor_price', 'demand_index', 'age_years'],
  },
  text: {
    metric: 'macro F1',
    noun: 'the right label for each text',
    families: [
      'a fine-tuned small transformer (DistilBERT)',
      'TF-IDF with logistic regression',
      'an embedding model with a linear head',
    ],
    features: ['text_embedding', 'token_count', 'language', 'channel', 'customer_tier', 'hour_of_day'],
  },
  vision: {
    metric: 'mAP@0.5',
    noun: 'the objects in each image',
    families: ['a fine-tuned EfficientNet', 'a ViT-B/16 with linear probing', 'YOLOv8 for detection'],
    features: ['image_tensor', 'camera_id', 'lighting_score', 'resolution', 'capture_hour', 'label_source'],
  },
  classification: {
    metric: 'F1',
    noun: 'the outcome for each record',
    families: ['gradient-boosted trees (LightGBM)', 'logistic regression', 'a random forest'],
    features: ['age_days', 'activity_30d', 'segment', 'region', 'value_90d', 'recent_change_flag'],
  },
};
