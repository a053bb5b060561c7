import type { RoleId } from '../domain/roles.js';
import { type MemoryScope, scopeSegment } from './agent-memory/scopes.js';

/**
 * Every Redis key Pipewright writes, in one place. All live under one prefix (REDIS_KEY_PREFIX, default
 * "pw"); README's "Redis keys" section documents what each holds and how long it lives. Agent memory's
 * keys (`<prefix>:mem:…`, `<prefix>:msg:…`) are built by `AgentMemoryKeys` below (the forget script derives
 * some of them from the bases it is given) and listed, with what they hold and how long they live, by
 * `agentMemoryKeyPatterns()`.
 */
export interface KeySpace {
  /** BullMQ's own prefix: queues live under `<prefix>:bull:<queue>:…`. */
  bull: string;
  /**
   * Set while a workspace refuses a Slack feature (`agent-sessions`): calls for it are not
   * made until it expires. PX one hour (memory/feature-holds.ts).
   */
  featureHold(teamId: string, feature: string): string;
  /** Pub/sub channel (no key): ids of projects whose run was just cancelled, for the agents to abort their calls. */
  cancelledRuns: string;
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
  /**
   * Stream of the project's audit trail: one entry per person's action (field `entry`: AuditEntry JSON,
   * `key`: the entry's key), newest last, trimmed to about `AUDIT_MAXLEN` (MAXLEN ~). The project's TTL.
   */
  projectAudit(projectId: string): string;
  /**
   * Zset of the keys of the audit entries written (scored by when), trimmed with the stream: a replay of an
   * event's effects finds its key and writes nothing. The project's TTL.
   */
  projectAuditKeys(projectId: string): string;
  /** A stage's full deliverable (JSON), written once by agent memory's record script. The project's TTL. */
  deliverable(projectId: string, stageId: string, attempt: number): string;
  /**
   * Hash of a stage attempt's steps before its deliverable is recorded (draft, reviews, revision; JSON per
   * field, each written once): a retried job picks up where the last one stopped and pays for nothing twice.
   * The project's TTL, and 30 days at most.
   */
  stageWork(projectId: string, stageId: string, attempt: number): string;
  /**
   * List of the project's outbox job ids still to go out, in thread order: only the first may write to
   * Slack, so a message waiting for its channel's slot holds back its own thread and nothing else.
   * Emptied as jobs finish; expires 7 days after its last use.
   */
  projectOutboxLine(projectId: string): string;
  /** The project's live status as streamed task cards (JSON: its stream message, what it shows, bytes sent). 7 days. */
  projectTaskCards(projectId: string): string;
  /**
   * How far a running stage is (JSON: attempt, step, output tokens so far and the limit, when), written as
   * the model writes (memory/stage-progress.ts). Deleted when the stage's job ends; 15 min after its last write.
   */
  stageProgress(projectId: string, stageId: string): string;
  /**
   * Zset of every project id, scored by when its keys expire (ms; `+inf` while active), for operators and
   * later listing. Expired members are dropped by the save script; the key expires with its last member.
   */
  projects(): string;
  /**
   * Agent memory's index of what one project contributed (`AgentMemoryKeys.project`), listed here too so
   * that it expires with its project. `scope` is a scope's segment (`public`, `private:<channel>`).
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
  /**
   * The projects one person sees outside their threads (App Home, `/pipewright list`): those they asked
   * for and those they may approve. Zset of project ids scored by when the project's keys expire (ms;
   * `+inf` while active); at most 200, the first to expire dropped first; expires with its last member.
   */
  userProjects(teamId: string, userId: string): string;
  /** The projects of one conversation (`/pipewright status`), kept like `userProjects`. */
  channelProjects(teamId: string, channelId: string): string;
  /** Set while a refresh of a person's App Home waits to run (one at a time). TTL a minute at most. */
  homeRefreshPending(teamId: string, userId: string): string;
  /** Set when a person's App Home was published; lives for the minimum spacing of publishes. */
  homeRefreshRecent(teamId: string, userId: string): string;
  /** The page of their App Home a person last turned to, so a refresh keeps it. TTL 1 day. */
  homePage(teamId: string, userId: string): string;
  /** What Slack's users.info said about a user, as seen from a workspace (JSON). TTL a few minutes. */
  slackUser(teamId: string, userId: string): string;
  /** Who can read a conversation, from conversations.info ("public" / "private"). TTL a few minutes. */
  slackChannel(teamId: string, channelId: string): string;
  /** The members of a Slack user group (APPROVER_GROUP), from usergroups.users.list (JSON list). TTL 60 s. */
  slackUserGroup(teamId: string, groupId: string): string;
}

export function keySpace(prefix: string): KeySpace {
  return {
    bull: `${prefix}:bull`,
    cancelledRuns: `${prefix}:cancelled-runs`,
    featureHold: (teamId, feature) => `${prefix}:team:${teamId}:hold:${feature}`,
    dedupeEvent: (eventId) => `${prefix}:dedupe:event:${eventId}`,
    project: (id) => `${prefix}:project:${id}`,
    projectEffects: (id) => `${prefix}:project:${id}:effects`,
    projectLock: (id) => `${prefix}:project:${id}:lock`,
    projectMessages: (id) => `${prefix}:project:${id}:messages`,
    projectReplies: (id) => `${prefix}:project:${id}:replies`,
    projectAudit: (id) => `${prefix}:project:${id}:audit`,
    projectAuditKeys: (id) => `${prefix}:project:${id}:audit:keys`,
    deliverable: (id, stageId, attempt) => `${prefix}:project:${id}:deliverable:${stageId}:${attempt}`,
    stageWork: (id, stageId, attempt) => `${prefix}:project:${id}:stage-work:${stageId}:${attempt}`,
    projectOutboxLine: (id) => `${prefix}:project:${id}:outbox`,
    projectTaskCards: (id) => `${prefix}:project:${id}:task-cards`,
    stageProgress: (id, stageId) => `${prefix}:project:${id}:progress:${stageId}`,
    projects: () => `${prefix}:projects`,
    agentMemoryProject: (teamId, scope, id) => AgentMemoryKeys.inSegment(prefix, teamId, scope).project(id),
    breaker: () => `${prefix}:breaker:model`,
    channelPace: (channelId) => `${prefix}:pace:channel:${channelId}`,
    projectSpend: (id) => `${prefix}:project:${id}:spend`,
    workspaceSpend: (teamId, day) => `${prefix}:spend:${teamId}:${day}`,
    workspaceRaise: (teamId, day) => `${prefix}:spend:${teamId}:${day}:raise`,
    workspaceRaiseApplied: (teamId, day, raiseId) => `${prefix}:spend:${teamId}:${day}:raise:${raiseId}`,
    openProjectsOf: (teamId, userId) => `${prefix}:user:${teamId}:${userId}:open`,
    userProjects: (teamId, userId) => `${prefix}:user:${teamId}:${userId}:projects`,
    channelProjects: (teamId, channelId) => `${prefix}:channel:${teamId}:${channelId}:projects`,
    homeRefreshPending: (teamId, userId) => `${prefix}:home:${teamId}:${userId}:pending`,
    homeRefreshRecent: (teamId, userId) => `${prefix}:home:${teamId}:${userId}:recent`,
    homePage: (teamId, userId) => `${prefix}:home:${teamId}:${userId}:page`,
    slackUser: (teamId, userId) => `${prefix}:slack:user:${teamId}:${userId}`,
    slackChannel: (teamId, channelId) => `${prefix}:slack:channel:${teamId}:${channelId}`,
    slackUserGroup: (teamId, groupId) => `${prefix}:slack:usergroup:${teamId}:${groupId}`,
  };
}

/**
 * Agent memory's keys for one workspace and scope: `<prefix>:mem:<team>:<scope>:…` for what the roles
 * remember, `<prefix>:msg:<team>:<scope>:…` for their messages (memory/agent-memory/).
 */
export class AgentMemoryKeys {
  readonly mem: string;
  readonly msg: string;
  /** `segment` '' is the layout from before scopes (`<prefix>:mem:<team>:…`): only `forgetProject` reads it. */
  private constructor(prefix: string, teamId: string, segment: string) {
    const tail = segment === '' ? '' : `:${segment}`;
    this.mem = `${prefix}:mem:${teamId}${tail}`;
    this.msg = `${prefix}:msg:${teamId}${tail}`;
  }
  static of(prefix: string, teamId: string, scope: MemoryScope): AgentMemoryKeys {
    return new AgentMemoryKeys(prefix, teamId, scopeSegment(scope));
  }
  /** `segment` as `scopeSegment` writes it (`public`, `private:<channel>`). */
  static inSegment(prefix: string, teamId: string, segment: string): AgentMemoryKeys {
    return new AgentMemoryKeys(prefix, teamId, segment);
  }
  static beforeScopes(prefix: string, teamId: string): AgentMemoryKeys {
    return new AgentMemoryKeys(prefix, teamId, '');
  }
  history(role: RoleId): string {
    return `${this.mem}:role:${role}:history`;
  }
  historyEntries(role: RoleId): string {
    return `${this.mem}:role:${role}:history:entries`;
  }
  insights(role: RoleId): string {
    return `${this.mem}:role:${role}:insights`;
  }
  insightRank(role: RoleId): string {
    return `${this.mem}:role:${role}:insights:rank`;
  }
  collab(a: RoleId, b: RoleId): string {
    return `${this.mem}:collab:${pairOf(a, b)}`;
  }
  project(projectId: string): string {
    return `${this.mem}:project:${projectId}`;
  }
  inbox(role: RoleId): string {
    return `${this.msg}:inbox:${role}`;
  }
  body(messageId: string): string {
    return `${this.msg}:body:${messageId}`;
  }
}

/** The two roles of a collaboration in a fixed order, so both directions share one record. */
export function pairOf(a: RoleId, b: RoleId): string {
  return a < b ? `${a}:${b}` : `${b}:${a}`;
}

/** One entry per key pattern agent memory writes; for the README's "Redis keys" table. */
export interface KeyPatternDoc {
  pattern: string;
  type: 'string' | 'hash' | 'zset';
  holds: string;
  lives: string;
}

/**
 * Every key pattern agent memory writes under `prefix`, with what it holds and its lifetime. `<scope>` is
 * `public` (learned in the workspace's public channels) or `private:<channel>` (learned in that private
 * channel or DM).
 */
export function agentMemoryKeyPatterns(prefix = 'pw'): KeyPatternDoc[] {
  const mem = `${prefix}:mem:<team>:<scope>`;
  const msg = `${prefix}:msg:<team>:<scope>`;
  return [
    {
      pattern: `${mem}:role:<role>:history`,
      type: 'zset',
      holds:
        "a role's task history in this scope: record id (`<project>:<stage>:<attempt>`) scored by its time (ms)",
      lives: 'newest `historyCap` (50) kept; entries of a forgotten project are removed; no TTL',
    },
    {
      pattern: `${mem}:role:<role>:history:entries`,
      type: 'hash',
      holds: 'record id → history entry JSON (task, outcome, key insights, delegations, provenance)',
      lives: 'trimmed together with `…:history`; no TTL',
    },
    {
      pattern: `${mem}:role:<role>:insights`,
      type: 'hash',
      holds:
        'insight id (hash of the normalised text) → one JSON line per report: text, area, impact, confidence, tags, provenance',
      lives:
        'at most `insightCap` (200) per role and scope, lowest retention value dropped first; at most `maxSourcesPerInsight` (10) reports per insight; no TTL',
    },
    {
      pattern: `${mem}:role:<role>:insights:rank`,
      type: 'zset',
      holds:
        'insight id scored by retention value (impact × confidence × projects), then recency: picks what a cap drops',
      lives: 'kept in step with `…:insights`; no TTL',
    },
    {
      pattern: `${mem}:collab:<roleA>:<roleB>`,
      type: 'hash',
      holds: 'collaboration of two roles (names sorted): `tasks`, `successes`, `type:<task type>` counts',
      lives: 'no TTL; a forgotten project’s counts are subtracted and the key is deleted at zero tasks',
    },
    {
      pattern: `${mem}:project:<project>`,
      type: 'hash',
      holds:
        'record id → what that stage contributed (history id, insight ids, message ids and recipients, collaboration counts)',
      lives: 'until `forgetProject` for that project, which uses and deletes it; no TTL',
    },
    {
      pattern: `${msg}:inbox:<role>`,
      type: 'zset',
      holds: "a role's unread messages in this scope: message id scored by its expiry time (ms)",
      lives:
        'a message leaves when read (by `recordStageOutcome`), expired, forgotten, or over `maxUnreadPerRole` (100); the key expires `messageTtlMs` (14 days) after its last new message',
    },
    {
      pattern: `${msg}:body:<message>`,
      type: 'string',
      holds:
        'one message JSON (from, to, type, priority, text, provenance, expiresAt); shared by every recipient of a message to `all`',
      lives: '`messageTtlMs` (14 days), or until its project is forgotten',
    },
  ];
}
