/**
 * The eval's fixed set of project requests: varied in modality, data and how the result is used, written
 * the way people write them in Slack (half-specified, with the numbers they happen to know). The set is
 * fixed so runs can be compared over time; add a request rather than edit one.
 */

export interface EvalRequest {
  /** Short, stable name: the `--only` argument and the key in the results JSON. */
  name: string;
  /** What it exercises, for the printed table. */
  kind: string;
  /** The message, as typed after "@pipewright". */
  text: string;
}

export const EVAL_REQUESTS: readonly EvalRequest[] = [
  {
    name: 'churn',
    kind: 'tabular classification',
    text: 'we keep losing subscribers and nobody sees it coming. Can you build a churn model on our subscription + billing data (Postgres, billing.subscriptions and events.app_usage), score every active customer weekly and push the top-risk list to the CS team in Salesforce? Has to beat the rule-based flag we use today (~0.62 AUC). Infra budget is roughly $1.5k a month.',
  },
  {
    name: 'weld-images',
    kind: 'image classification',
    text: 'QA wants to stop eyeballing weld photos. We have ~40k labelled images (ok / porosity / crack / undercut) in s3://factory-qa/welds/ and new ones come in from 6 line cameras. Looking for a classifier on the edge box next to each line, under 200 ms per image, that sends anything it is unsure about to a human. Recall on cracks matters most.',
  },
  {
    name: 'ticket-routing',
    kind: 'NLP fine-tuning',
    text: 'could we fine-tune a small open model to route support tickets? ~120k historical Zendesk tickets with the queue they ended up in (14 queues), English and German. Goal: >90% top-1 on the big queues, served as an internal API the helpdesk calls. No customer text may leave our AWS account, so no hosted LLM APIs.',
  },
  {
    name: 'demand-forecast',
    kind: 'time-series forecasting',
    text: 'ops needs daily demand forecasts per store x SKU (about 300 stores, 8k SKUs) 28 days ahead, with prediction intervals, to drive replenishment. 3 years of sales in BigQuery plus the promo calendar and holidays. Today it is a moving average in a spreadsheet; we want to beat it on WAPE, refreshed every night before 5am.',
  },
  {
    name: 'batch-scoring',
    kind: 'batch-only pipeline',
    text: "no online serving for this one: every night score all ~2M loan accounts for probability of 30-day delinquency and write the scores to a Snowflake table that risk's dashboards read. It has to finish in under 2h, be reproducible for audit (model and data version on every row), and page someone if it fails or the score distribution shifts.",
  },
];

/** The requests to run: all of them, or the one named by `--only` (undefined when no request has that name). */
export function selectRequests(only: string | undefined): readonly EvalRequest[] | undefined {
  if (only === undefined) return EVAL_REQUESTS;
  const found = EVAL_REQUESTS.filter((r) => r.name === only);
  return found.length > 0 ? found : undefined;
}
