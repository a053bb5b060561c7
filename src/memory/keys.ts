/**
 * Every Redis key Pipewright writes, in one place. All live under one prefix (REDIS_KEY_PREFIX, default
 * "pw"); README's "Redis keys" section documents what each holds and how long it lives. Agent memory's
 * keys (`<prefix>:mem:…`, `<prefix>:msg:…`) are built inside its Lua scripts and listed by
 * `agentMemoryKeyPatterns()` in memory/agent-memory.ts.
 */
export interface KeySpace {
  /** BullMQ's own prefix: queues live under `<prefix>:bull:<queue>:…`. */
  bull: string;
  /**
   * Marker per Slack event_id, set once the event is recorded (enqueued); a redelivered event finds it
   * and is dropped. TTL 24 h.
   */
  dedupeEvent(eventId: string): string;
  /** The project record (JSON, see orchestrator/project.ts). No TTL. */
  project(projectId: string): string;
  /** Effects the orchestrator stored and has not yet carried out (JSON list). Deleted when flushed. */
  projectEffects(projectId: string): string;
  /** Mutual exclusion for the orchestrator on one project. PX 30 s, released by its owner. */
  projectLock(projectId: string): string;
  /** Hash of thread message key → Slack ts, plus `<key>#rev` → last revision rendered. No TTL. */
  projectMessages(projectId: string): string;
  /** A stage's full deliverable (JSON). No TTL. */
  deliverable(projectId: string, stageId: string, attempt: number): string;
  /** Set of every project id, for operators and later listing. */
  projects(): string;
  /** The model-provider circuit breaker shared by all workers (hash). Expires after 24 h idle. */
  breaker(): string;
  /** Time of the next free chat.postMessage slot in a channel (ms, Redis clock). Expires once unused. */
  channelPace(channelId: string): string;
  /** What a project has spent or committed on the model (USD, float). Lives as long as the project. */
  projectSpend(projectId: string): string;
  /** What a workspace has spent or committed on the model on one UTC day (USD). TTL 2 days. */
  workspaceSpend(teamId: string, day: string): string;
  /** What Raise budget added to a workspace's ceiling for one UTC day (USD). TTL 2 days. */
  workspaceRaise(teamId: string, day: string): string;
  /** The open projects of one person in one workspace (set of project ids), for the per-person cap. */
  openProjectsOf(teamId: string, userId: string): string;
  /** What Slack's users.info said about a user, as seen from a workspace (JSON). TTL a few minutes. */
  slackUser(teamId: string, userId: string): string;
  /** Who can read a conversation, from conversations.info ("public" / "private"). TTL a few minutes. */
  slackChannel(teamId: string, channelId: string): string;
}

export function keySpace(prefix: string): KeySpace {
  return {
    bull: `${prefix}:bull`,
    dedupeEvent: (eventId) => `${prefix}:dedupe:event:${eventId}`,
    project: (id) => `${prefix}:project:${id}`,
    projectEffects: (id) => `${prefix}:project:${id}:effects`,
    projectLock: (id) => `${prefix}:project:${id}:lock`,
    projectMessages: (id) => `${prefix}:project:${id}:messages`,
    deliverable: (id, stageId, attempt) => `${prefix}:project:${id}:deliverable:${stageId}:${attempt}`,
    projects: () => `${prefix}:projects`,
    breaker: () => `${prefix}:breaker:model`,
    channelPace: (channelId) => `${prefix}:pace:channel:${channelId}`,
    projectSpend: (id) => `${prefix}:project:${id}:spend`,
    workspaceSpend: (teamId, day) => `${prefix}:spend:${teamId}:${day}`,
    workspaceRaise: (teamId, day) => `${prefix}:spend:${teamId}:${day}:raise`,
    openProjectsOf: (teamId, userId) => `${prefix}:user:${teamId}:${userId}:open`,
    slackUser: (teamId, userId) => `${prefix}:slack:user:${teamId}:${userId}`,
    slackChannel: (teamId, channelId) => `${prefix}:slack:channel:${teamId}:${channelId}`,
  };
}
