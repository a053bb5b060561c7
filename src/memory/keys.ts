/**
 * Every Redis key Pipewright writes, in one place. All live under one prefix (REDIS_KEY_PREFIX, default
 * "pw"); README's "Redis keys" section documents what each holds and how long it lives. Agent memory's
 * keys (`<prefix>:mem:…`, `<prefix>:msg:…`) are built inside its Lua scripts and listed by
 * `agentMemoryKeyPatterns()` in memory/agent-memory.ts.
 */
export interface KeySpace {
  /** BullMQ's own prefix: queues live under `<prefix>:bull:<queue>:…`. */
  bull: string;
  /** `SET NX EX` marker per Slack event_id; a redelivered event finds it and is dropped. TTL 24 h. */
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
  /**
   * List of the project's outbox job ids still to go out, in thread order: only the first may write to
   * Slack, so a message waiting for its channel's slot holds back its own thread and nothing else.
   * Emptied as jobs finish; expires 7 days after its last use.
   */
  projectOutboxLine(projectId: string): string;
  /** Set of every project id, for operators and later listing. */
  projects(): string;
  /** The model-provider circuit breaker shared by all workers (hash). Expires after 24 h idle. */
  breaker(): string;
  /** Time of the next free chat.postMessage slot in a channel (ms, Redis clock). Expires once unused. */
  channelPace(channelId: string): string;
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
    projectOutboxLine: (id) => `${prefix}:project:${id}:outbox`,
    projects: () => `${prefix}:projects`,
    breaker: () => `${prefix}:breaker:model`,
    channelPace: (channelId) => `${prefix}:pace:channel:${channelId}`,
  };
}
