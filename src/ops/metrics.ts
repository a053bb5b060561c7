import type { Logger } from 'pino';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Usage } from '../domain/usage.js';
import type { CircuitBreaker } from '../memory/circuit-breaker.js';
import type { Queues } from '../memory/queues.js';

/** Prometheus metrics of one process. A registry per process (not the global one) keeps tests independent. */
export interface Metrics {
  registry: Registry;
  stageDuration: Histogram<'role' | 'outcome'>;
  modelTokens: Counter<'kind'>;
  modelCalls: Counter<'outcome'>;
  slackApiErrors: Counter<'error'>;
  /** agents.sessions.setStatus calls by status and outcome (ok, refused). */
  slackSessionStatus: Counter<'status' | 'outcome'>;
  slackEvents: Counter<'kind'>;
  /** Slack's app_rate_limited notices: Slack is dropping event deliveries for a workspace. */
  slackAppRateLimited: Counter;
  /** Time a message waited for its channel's next post slot (Slack's per-channel limit). */
  slackPacingWait: Histogram;
  /** Reports the shared breaker's state (0 closed, 1 half-open, 2 open) at scrape time. */
  watchBreaker(breaker: CircuitBreaker): void;
}

export function countTokens(metrics: Metrics, usage: Usage): void {
  metrics.modelTokens.inc({ kind: 'input' }, usage.inputTokens);
  metrics.modelTokens.inc({ kind: 'output' }, usage.outputTokens);
  metrics.modelTokens.inc({ kind: 'cache_read' }, usage.cacheReadTokens);
  metrics.modelTokens.inc({ kind: 'cache_write' }, usage.cacheWriteTokens);
}

export function createMetrics(queues: Queues): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'pipewright_' });
  const queueList = queues.all();
  new Gauge({
    name: 'pipewright_queue_jobs',
    help: 'Jobs in each queue by state, read from Redis at scrape time',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const queue of queueList) {
        const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized');
        for (const [state, n] of Object.entries(counts)) this.set({ queue: queue.name, state }, n);
      }
    },
  });
  let breakerSource: CircuitBreaker | undefined;
  new Gauge({
    name: 'pipewright_model_breaker_state',
    help: 'Model-provider circuit breaker shared by all workers: 0 closed, 1 half-open, 2 open',
    registers: [registry],
    async collect() {
      if (!breakerSource) return;
      const { state } = await breakerSource.snapshot();
      this.set(state === 'closed' ? 0 : state === 'half_open' ? 1 : 2);
    },
  });
  return {
    watchBreaker: (breaker) => {
      breakerSource = breaker;
    },
    registry,
    stageDuration: new Histogram({
      name: 'pipewright_stage_duration_seconds',
      help: 'Time one model job attempt took (a stage, or the project manager clarifying or summarising), by role and outcome',
      labelNames: ['role', 'outcome'],
      buckets: [1, 5, 15, 30, 60, 120, 300, 600],
      registers: [registry],
    }),
    modelTokens: new Counter({
      name: 'pipewright_model_tokens_total',
      help: 'Model tokens by kind: input, output, cache_read, cache_write',
      labelNames: ['kind'],
      registers: [registry],
    }),
    modelCalls: new Counter({
      name: 'pipewright_model_jobs_total',
      help: 'Model jobs by outcome: ok, retry, failed',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    slackApiErrors: new Counter({
      name: 'pipewright_slack_api_errors_total',
      help: 'Slack Web API calls that failed, by Slack error code',
      labelNames: ['error'],
      registers: [registry],
    }),
    slackSessionStatus: new Counter({
      name: 'pipewright_slack_session_status_total',
      help: 'Agent session status updates (agents.sessions.setStatus), by status and outcome',
      labelNames: ['status', 'outcome'],
      registers: [registry],
    }),
    slackEvents: new Counter({
      name: 'pipewright_slack_events_total',
      help: 'Slack events handed to the orchestrator, by kind',
      labelNames: ['kind'],
      registers: [registry],
    }),
    slackAppRateLimited: new Counter({
      name: 'pipewright_slack_app_rate_limited_total',
      help: 'app_rate_limited notices from Slack: it dropped event deliveries to this app for a workspace (logged with the workspace)',
      registers: [registry],
    }),
    slackPacingWait: new Histogram({
      name: 'pipewright_slack_pacing_wait_seconds',
      help: 'Time a message waited for its channel post slot before chat.postMessage',
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
      registers: [registry],
    }),
  };
}

/** GET /metrics in Prometheus text format. A failure is logged, not echoed: /metrics may be reachable by others. */
export function metricsHandler(metrics: Metrics, logger: Logger) {
  return (_req: unknown, res: import('node:http').ServerResponse): void => {
    metrics.registry
      .metrics()
      .then((text) => {
        res.writeHead(200, { 'content-type': metrics.registry.contentType });
        res.end(text);
      })
      .catch((err: unknown) => {
        logger.warn({ err }, 'metrics could not be collected');
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('metrics unavailable');
      });
  };
}
