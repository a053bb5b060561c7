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
  /**
   * The project record (JSON, see orchestrator/project.ts). No TTL while the project is active; once it is
   * finished, every key of the project lives `PROJECT_RETENTION_DAYS` after its last change (the save
   * script, memory/project-store.ts, sets and clears those TTLs together).
   */
  project(projectId: string): string;
  /** Effects the orchestrator stored and has not yet carried out (JSON list). Deleted when flushed; the project's TTL. */
  projectEffects(projectId: string): string;
  /** Mutual exclusion for the orchestrator on one project. PX 30 s, released by its owner. */
  projectLock(projectId: string): string;
  /**
   * Hash of thread message key → Slack ts, plus `<key>#rev` → last revision rendered, `<key>#pending` while a
   * post is under way and `<key>#want` → newest revision queued of a message edited in place. Replies to
   * commands are not kept here (`projectReplies`). The project's TTL.
   */
  projectMessages(projectId: string): string;
  /**
   * Zset of the thread's replies to commands (`status`, help, notices: posted once, never edited) that have
   * gone out, scored by when: the newest 50 are kept, enough for a replayed job not to post one twice.
   * The project's TTL.
   */
  projectReplies(projectId: string): string;
  /** A stage's full deliverable (JSON), written once by agent memory's record script. The project's TTL. */
  deliverable(projectId: string, stageId: string, attempt: number): string;
  /**
   * List of the project's outbox job ids still to go out, in thread order: only the first may write to
   * Slack, so a message waiting for its channel's slot holds back its own thread and nothing else.
   * Emptied as jobs finish; expires 7 days after its last use.
   */
  projectOutboxLine(projectId: string): string;
  /**
   * Zset of every project id, scored by when its keys expire (ms; `+inf` while active), for operators and
   * later listing. Expired members are dropped by the save script; the key expires with its last member.
   */
  projects(): string;
  /**
   * Agent memory's index of what one project contributed (built in memory/agent-memory.ts, which must use
   * the same name): listed here so that it expires with its project.
   */
  agentMemoryProject(teamId: string, scope: string, projectId: string): string;
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
  /** Marks one Raise budget as applied, so a replay after a crash does not raise twice. TTL 2 days. */
  workspaceRaiseApplied(teamId: string, day: string, raiseId: string): string;
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
    projectReplies: (id) => `${prefix}:project:${id}:replies`,
    deliverable: (id, stageId, attempt) => `${prefix}:project:${id}:deliverable:${stageId}:${attempt}`,
    projectOutboxLine: (id) => `${prefix}:project:${id}:outbox`,
    projects: () => `${prefix}:projects`,
    agentMemoryProject: (teamId, scope, id) => `${prefix}:mem:${teamId}:${scope}:project:${id}`,
    breaker: () => `${prefix}:breaker:model`,
    channelPace: (channelId) => `${prefix}:pace:channel:${channelId}`,
    projectSpend: (id) => `${prefix}:project:${id}:spend`,
    workspaceSpend: (teamId, day) => `${prefix}:spend:${teamId}:${day}`,
    workspaceRaise: (teamId, day) => `${prefix}:spend:${teamId}:${day}:raise`,
    workspaceRaiseApplied: (teamId, day, raiseId) => `${prefix}:spend:${teamId}:${day}:raise:${raiseId}`,
    openProjectsOf: (teamId, userId) => `${prefix}:user:${teamId}:${userId}:open`,
    slackUser: (teamId, userId) => `${prefix}:slack:user:${teamId}:${userId}`,
    slackChannel: (teamId, channelId) => `${prefix}:slack:channel:${teamId}:${channelId}`,
  };
}
