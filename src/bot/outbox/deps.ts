import type { webApi } from '@slack/bolt';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AuditLog } from '../../memory/audit-log.js';
import type { ChannelPacer } from '../../memory/channel-pacer.js';
import type { DeliverableStore } from '../../memory/deliverables.js';
import type { FeatureHolds } from '../../memory/feature-holds.js';
import type { KeySpace } from '../../memory/keys.js';
import type { ProjectStore } from '../../memory/project-store.js';
import type { StageProgressReader } from '../../memory/stage-progress.js';
import type { TaskCardStreams } from '../../memory/task-card-streams.js';
import type { ThreadMessageStore } from '../../memory/thread-messages.js';
import type { ThreadOrder } from '../../memory/thread-order.js';
import type { Metrics } from '../../ops/metrics.js';
import type { ApproverGroupDirectory } from '../approver-group.js';
import type { RenderSettings } from '../views/offline.js';

export interface OutboxDeps {
  connection: Redis;
  pacer: ChannelPacer;
  keys: KeySpace;
  /** Bolt's client, for reads (looking a message up in its thread): those may be retried by the client. */
  client: webApi.WebClient;
  /** Every write goes through this one, which never retries by itself (`createSlackWriter`). */
  writer: webApi.WebClient;
  messages: ThreadMessageStore;
  order: ThreadOrder;
  projects: ProjectStore;
  deliverables: DeliverableStore;
  /** The projects' audit trails, for the report. */
  audit: Pick<AuditLog, 'all'>;
  logger: Logger;
  metrics: Metrics;
  /** What every message carries in this deployment (the offline mark). */
  render: RenderSettings;
  /** Slack's agent surfaces this deployment uses (AGENT_SESSIONS, TASK_CARDS, TASK_CARD_INTERVAL_MS). */
  features: { agentSessions: boolean; taskCards?: boolean; taskCardIntervalMs?: number };
  /** Where each project's live status streams as task cards (TASK_CARDS). */
  taskCardStreams?: TaskCardStreams;
  /** How far running stages are, shown in the status where it is rendered; none: not shown. */
  stageProgress?: StageProgressReader;
  /** Workspaces that lately refused one of those features. */
  holds: FeatureHolds;
  /** Told when a project's thread was written to, so the App Home of those who see it is refreshed. */
  onThreadWritten?: (projectId: string) => Promise<void>;
  /** APPROVER_GROUP's members, for direct messages to a group; undefined: no group configured. */
  approverGroup?: ApproverGroupDirectory;
}
