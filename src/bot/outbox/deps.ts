import type { webApi } from '@slack/bolt';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ChannelPacer } from '../../memory/channel-pacer.js';
import type { DeliverableStore } from '../../memory/deliverables.js';
import type { KeySpace } from '../../memory/keys.js';
import type { ProjectStore } from '../../memory/project-store.js';
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
  logger: Logger;
  metrics: Metrics;
  /** What every message carries in this deployment (the offline mark). */
  render: RenderSettings;
  /** APPROVER_GROUP's members, for direct messages to a group; undefined: no group configured. */
  approverGroup?: ApproverGroupDirectory;
}
