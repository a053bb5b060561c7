import type { Server } from 'node:http';
import type { App, CustomRoute } from '@slack/bolt';
import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { STAGE_PROMPT_TOKENS } from '../agents/jobs/stage.js';
import { AnthropicProvider } from '../agents/model/anthropic.js';
import { OfflineProvider } from '../agents/model/offline/index.js';
import { startAgentWorker } from '../agents/worker.js';
import { createSlackApp } from '../bot/app.js';
import { ApproverGroupDirectory } from '../bot/approver-group.js';
import { projectChanged } from '../bot/home/publish.js';
import { startHomeRefreshWorker } from '../bot/home/refresh-worker.js';
import { createSlackWriter, startOutboxWorkers } from '../bot/outbox/index.js';
import { FREE, parsePriceTable, priceFor } from '../domain/pricing.js';
import { AgentMemory } from '../memory/agent-memory/index.js';
import { AuditLog } from '../memory/audit-log.js';
import { ChannelPacer } from '../memory/channel-pacer.js';
import { CircuitBreaker } from '../memory/circuit-breaker.js';
import { DeliverableStore } from '../memory/deliverables.js';
import { createEventIntake, type EventIntake } from '../memory/event-intake.js';
import { FeatureHolds } from '../memory/feature-holds.js';
import { HomeRefreshSchedule } from '../memory/home-refresh.js';
import { keySpace } from '../memory/keys.js';
import { ProjectIndex } from '../memory/project-index.js';
import { type LockLease, withProjectLock } from '../memory/project-lock.js';
import { ProjectStore } from '../memory/project-store.js';
import { closeBullClient, createQueues } from '../memory/queues.js';
import { createRedis, waitUntilReady } from '../memory/redis.js';
import { announceCancel, RunCancels } from '../memory/run-cancels.js';
import { SpendLedger } from '../memory/spend-ledger.js';
import { StageProgressStore } from '../memory/stage-progress.js';
import { StageWorkStore } from '../memory/stage-work.js';
import { TaskCardStreams } from '../memory/task-card-streams.js';
import { ThreadMessageStore } from '../memory/thread-messages.js';
import { ThreadOrder } from '../memory/thread-order.js';
import { WorkQueues } from '../memory/work-queues.js';
import { gitBranchPublisher } from '../ops/git-publisher.js';
import { healthzHandler } from '../ops/health.js';
import { type OpsHandler, startOpsServer } from '../ops/http-server.js';
import { countTokens, createMetrics, metricsHandler } from '../ops/metrics.js';
import { startOrchestratorWorker } from '../orchestrator/worker.js';
import type { Config, ProcessRole } from './config.js';
import type { Logger } from './logger.js';

/** How long start-up waits for Redis before starting without it. */
const STARTUP_REDIS_WAIT_MS = 10_000;

export interface RunningSystem {
  role: ProcessRole;
  /** The HTTP port actually listened on (bot roles), useful when PORT=0. */
  port: number | undefined;
  /** The port /metrics is served on when METRICS_PORT is set (the one actually listened on); else undefined. */
  metricsPort?: number | undefined;
  /** Stops taking work, lets in-flight jobs finish, closes every connection. Calling it again waits for the same stop. */
  stop(): Promise<void>;
}

/**
 * Starts what a process role needs: `bot` (Slack listeners, outbox, /healthz), `worker` (orchestrator and
 * agents), or `all` of it in one process. Everything shares state through Redis only.
 */
/** What the local playground adds to a process: its page's routes beside /slack/events, on loopback only. */
export interface SystemExtras {
  routes?: CustomRoute[];
  /** Listen on this address only (the playground: 127.0.0.1); default: every address. */
  host?: string;
}

export async function startSystem(
  config: Config,
  role: ProcessRole,
  logger: Logger,
  extras: SystemExtras = {},
): Promise<RunningSystem> {
  const keys = keySpace(config.redis.keyPrefix);
  const command = createRedis(config.redis.url, 'command', logger.child({ redis: 'command' }));
  const blocking = createRedis(config.redis.url, 'blocking', logger.child({ redis: 'blocking' }));
  // Start answering only once Redis does; if it is down, keep going (healthz says 503) and recover when it returns.
  await Promise.all([
    waitUntilReady(command, STARTUP_REDIS_WAIT_MS),
    waitUntilReady(blocking, STARTUP_REDIS_WAIT_MS),
  ]).catch((err: unknown) =>
    logger.error({ err, url: redactUrl(config.redis.url) }, 'redis is not reachable; starting anyway'),
  );
  await warnUnlessNoEviction(command, logger);
  const queues = createQueues(blocking, keys, config.outboxShards);
  const retention = { finishedTtlMs: config.projectRetentionMs };
  const index = new ProjectIndex(command, keys, {
    approverIds: config.approverIds,
    finishedTtlMs: config.projectRetentionMs,
  });
  const projects = new ProjectStore(command, keys, retention, index);
  const metrics = createMetrics(queues);
  const memory = new AgentMemory(command, config.redis.keyPrefix, {
    historyCap: config.memory.historyCap,
    insightCap: config.memory.insightCap,
    messageTtlMs: config.memory.messageTtlMs,
    onCorrupt: (item) => logger.warn({ item }, 'corrupt agent memory item skipped'),
  });
  // Written by the agents as stages write, read by the outbox when it shows a status.
  const stageProgress = new StageProgressStore(command, keys, {
    intervalMs: config.modelOutput.progressIntervalMs,
    onError: (err) => logger.warn({ err }, 'could not record a stage’s progress'),
  });
  const healthz = healthzHandler(command, role);
  const metricsRoute = metricsHandler(metrics, logger.child({ component: 'metrics' }));
  // With METRICS_PORT set, /metrics is served there only, so PORT can face Slack without exposing metrics.
  const opsRoutes: Record<string, OpsHandler> =
    config.metricsPort === undefined
      ? { '/healthz': healthz, '/metrics': metricsRoute }
      : { '/healthz': healthz };
  let metricsServer: Server | undefined;
  let metricsPort: number | undefined;
  if (config.metricsPort !== undefined) {
    const served = await startOpsServer(config.metricsPort, { '/metrics': metricsRoute });
    metricsServer = served.server;
    metricsPort = served.port;
  }
  const workers: Worker[] = [];
  let app: App | undefined;
  let port: number | undefined;
  let opsServer: Server | undefined;
  let intake: EventIntake | undefined;
  let cancels: RunCancels | undefined;

  if (role !== 'bot') {
    const ledger = new SpendLedger(command, keys, config.budgets.workspaceDailyUsd);
    const prices = parsePriceTable(config.modelPricesJson);
    const engineDeps = {
      ledger,
      cancels: { announce: (projectId: string) => announceCancel(command, keys, projectId) },
      locks: {
        withLock: <T>(id: string, fn: (lease: LockLease) => Promise<T>) =>
          withProjectLock(command, keys, id, fn),
      },
      work: new WorkQueues(queues, config.stageAttempts),
      deliverables: new DeliverableStore(command, keys),
      memory,
      messages: new ThreadMessageStore(command, keys, retention),
      audit: new AuditLog(command, keys, retention),
      keys,
      projects,
      queues,
      logger: logger.child({ component: 'orchestrator' }),
      settings: {
        approverIds: config.approverIds,
        clarifyMaxRounds: config.clarifyMaxRounds,
        projectConcurrency: config.projectConcurrency,
        projectBudgetUsd: config.budgets.projectUsd,
        workspaceDailyBudgetUsd: config.budgets.workspaceDailyUsd,
        maxOpenProjectsPerUser: config.maxOpenProjectsPerUser,
        approvals: {
          groupId: config.approvals.groupId,
          required: config.approvals.required,
          allowSelfApproval: config.approvals.allowSelfApproval,
          gateTimeoutMs: config.approvals.gateTimeoutMs,
        },
        forecast: {
          // The plan's forecast says what the run would cost: nothing with the offline model.
          price: config.offlineModel.inUse ? FREE : priceFor(prices, config.anthropic.model),
          stagePromptTokens: STAGE_PROMPT_TOKENS,
          inputTokenBudget: config.stageInputTokenBudget,
          memoryTokenBudget: config.memory.tokenBudget,
          stageLimits: config.modelOutput.stageLimits,
          reviews: config.review.enabled,
        },
      },
    };
    workers.push(
      startOrchestratorWorker({
        ...engineDeps,
        connection: blocking,
        concurrency: 16,
        lockMs: config.jobs.lockMs,
      }),
    );
    const breaker = new CircuitBreaker(command, keys.breaker(), config.breaker);
    metrics.watchBreaker(breaker);
    const provider = config.offlineModel.inUse
      ? new OfflineProvider({ latencyMs: config.offlineModel.latencyMs })
      : new AnthropicProvider({ ...config.anthropic, prices }, logger.child({ component: 'model' }), {
          onUsage: (u) => countTokens(metrics, u),
          breaker,
        });
    if (config.offlineModel.inUse)
      logger.info(
        { latencyMs: config.offlineModel.latencyMs },
        'no ANTHROPIC_API_KEY: the offline model answers every call (made up locally, not by Claude)',
      );
    // A subscriber needs a connection that waits for Redis (the command one fails fast).
    cancels = RunCancels.start(blocking, keys, logger.child({ component: 'agents' }));
    workers.push(
      startAgentWorker({
        cancels,
        connection: blocking,
        keys,
        queues,
        projects,
        deliverables: new DeliverableStore(command, keys),
        provider,
        fallbackModel: config.offlineModel.inUse ? undefined : config.anthropic.fallbackModel,
        logger: logger.child({ component: 'agents' }),
        concurrency: config.workerConcurrency,
        clarifyMaxRounds: config.clarifyMaxRounds,
        inputTokenBudget: config.stageInputTokenBudget,
        backoffMs: config.jobs.backoffMs,
        lockMs: config.jobs.lockMs,
        metrics,
        memory,
        memoryTokenBudget: config.memory.tokenBudget,
        review: config.review,
        stageWork: new StageWorkStore(command, keys),
        stageLimits: config.modelOutput.stageLimits,
        effort: config.modelOutput.effort,
        progress: stageProgress,
        ledger,
        projectBudgetUsd: config.budgets.projectUsd,
        ...(config.deliverablesGit
          ? {
              filesPublisher: gitBranchPublisher(
                config.deliverablesGit,
                logger.child({ component: 'publish' }),
              ),
            }
          : {}),
      }),
    );
  }
  if (role === 'worker') {
    // The bot serves /healthz and /metrics through Bolt; a worker on its own needs a server for them.
    const ops = await startOpsServer(config.port, opsRoutes);
    opsServer = ops.server;
    port = ops.port;
  }

  if (role !== 'worker') {
    // Slack listeners enqueue on the fail-fast command connection (see memory/event-intake.ts).
    intake = createEventIntake(command, keys);
    const home = {
      index,
      projects,
      schedule: new HomeRefreshSchedule(command, keys, queues, config.homeRefreshIntervalMs),
    };
    const homeDeps = {
      ...home,
      approverIds: config.approverIds,
      logger: logger.child({ component: 'home' }),
    };
    app = createSlackApp({
      home,
      config,
      redis: command,
      keys,
      queues,
      intake,
      projects,
      metrics,
      logger: logger.child({ component: 'bot' }),
      routes: [
        ...Object.entries(opsRoutes).map(([path, handler]) => ({ path, method: ['GET'], handler })),
        ...(extras.routes ?? []),
      ],
    });
    await app.init();
    workers.push(
      ...(await startOutboxWorkers({
        queues,
        pacer: new ChannelPacer(command, keys, config.channelPace),
        connection: blocking,
        keys,
        client: app.client,
        writer: createSlackWriter(config.slack, logger.child({ component: 'outbox' })),
        messages: new ThreadMessageStore(command, keys, retention),
        order: new ThreadOrder(command, keys),
        projects,
        deliverables: new DeliverableStore(command, keys),
        audit: new AuditLog(command, keys, retention),
        logger: logger.child({ component: 'outbox' }),
        metrics,
        render: { offlineModel: config.offlineModel.inUse, tableBlocks: config.tableBlocks },
        features: config.features,
        holds: new FeatureHolds(command, keys),
        taskCardStreams: new TaskCardStreams(command, keys),
        stageProgress,
        onThreadWritten: (projectId) => projectChanged(homeDeps, projectId),
        ...(config.approvals.groupId
          ? {
              approverGroup: new ApproverGroupDirectory(command, keys, logger.child({ component: 'outbox' })),
            }
          : {}),
      })),
      startHomeRefreshWorker({ ...homeDeps, connection: blocking, keys, client: app.client }),
    );
    const server = await app.start(extras.host ? { port: config.port, host: extras.host } : config.port);
    port = listeningPort(server) ?? config.port;
  }

  logger.info({ role, port, metricsPort, keyPrefix: config.redis.keyPrefix }, 'pipewright started');
  let stopping: Promise<void> | undefined;

  return {
    role,
    port,
    metricsPort,
    stop() {
      stopping ??= (async () => {
        opsServer?.close();
        metricsServer?.close();
        if (app)
          await app.stop().catch((err: unknown) => logger.warn({ err }, 'error stopping the Slack app'));
        await Promise.all(workers.map((w) => closeBullClient(w)));
        await queues.close();
        await intake?.close();
        await cancels?.close();
        await Promise.all([quit(command), quit(blocking)]);
      })();
      return stopping;
    },
  };
}

function listeningPort(server: unknown): number | undefined {
  const address = (server as { address?: () => unknown } | undefined)?.address?.();
  return typeof address === 'object' && address !== null && 'port' in address
    ? Number(address.port)
    : undefined;
}

/**
 * Queues and project state must never be evicted. Managed Redis often forbids CONFIG, so read INFO.
 * A wrong policy is a loud warning, not a refusal: the operator may know better.
 */
async function warnUnlessNoEviction(redis: Redis, logger: Logger): Promise<void> {
  try {
    const info = await redis.info('memory');
    const policy = /maxmemory_policy:(\S+)/.exec(info)?.[1];
    if (policy && policy !== 'noeviction') {
      logger.warn(
        { maxmemoryPolicy: policy },
        `REDIS maxmemory-policy is "${policy}": Redis may evict queue jobs and project state under memory pressure. Set maxmemory-policy noeviction.`,
      );
    }
  } catch (err) {
    logger.warn({ err }, 'could not read the Redis maxmemory-policy');
  }
}

/** A Redis URL may carry a password: never log it. */
function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//[REDACTED]@');
}

async function quit(redis: Redis): Promise<void> {
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}
