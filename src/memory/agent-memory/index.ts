/**
 * What the specialist agents remember, per Slack workspace (team id) and per role, so they get better from
 * project to project inside one workspace. Nothing is shared across workspaces: every key carries the team
 * id, and no read ever spans two teams.
 *
 * Memory follows Slack's visibility (`Conversation`): what a project in a public channel contributes goes to
 * its workspace's `public` scope; what a project in a private channel or a DM contributes goes to that
 * conversation's `private:<channel>` scope. A project in a public channel recalls the public scope only; one
 * in a private conversation recalls its own scope and the public one (`readScopes`). Every read and write
 * below is within those scopes, `memory <role>` (`describeRole`) included.
 *
 * Per (team, scope, role): the task history (newest `historyCap` kept), insights (deduplicated by normalised
 * text, each keeping the provenance of every stage that reported it; at most `insightCap`, lowest retention
 * value dropped first), and an inbox of unread messages from other roles (expiring after `messageTtlMs`). Per
 * team, scope and pair of roles: a collaboration record (tasks together, successes, task types: stage names
 * can say what a private project is about, so they stay in its scope too). Per team, scope and project: an
 * index of everything the project contributed, so `forgetProject` deletes exactly that without scanning.
 *
 * Writes: `recordStageOutcome` is ONE Lua script that writes the stage's deliverable (SET NX, the
 * idempotency marker) together with every memory change of that stage, and only while the project record
 * says the result is still wanted (not forgotten, not cancelled): a forget stored a moment before cannot be
 * undone by a stage finishing a moment after. The script validates its whole payload and the type of every
 * key it will touch before its first write: Redis does not roll back a script that fails half-way, so
 * nothing that can fail is left for after the first write, and a bad argument aborts it with nothing
 * written. A wrong-typed memory key (or a non-integer counter) found by those checks must not block a stage
 * forever: it is deleted and rebuilt, and counted in `repairedKeys`. Counters use HINCRBY and lists are
 * trimmed inside the script, so parallel stages in different processes lose no update.
 *
 * Standalone Redis only, like the rest of Pipewright: the record script's deliverable and project keys and
 * the keys the forget script derives from its index are not in one cluster hash slot.
 *
 * Reads validate every item with zod; an item that does not parse is skipped (and reported to `onCorrupt`),
 * never a crash. Time comes from the injectable `now` (epoch ms), as in memory/circuit-breaker.ts.
 *
 * All key patterns with what they hold and how long they live: `agentMemoryKeyPatterns(prefix)`.
 *
 * The parts, one job each: `settings` (caps, limits, clock), `scopes` (where a conversation writes and what
 * it reads), `schemas` (records as stored, input as accepted), `shapes` (what callers give and get back),
 * `ranking` (normalisation, insight ids, scores), `budget` (fitting items into a prompt's tokens), `record`
 * (the record script's keys and payload), `reader` (validated reads over scopes), `store` (the class).
 * The key layout lives with every other key in memory/keys.ts; the scripts in memory/lua/agent-memory-*.lua.
 */

// The one token estimate (domain/spending.ts), still reachable here for the callers that used memory's copy.
export { estimateTokens } from '../../domain/spending.js';
export { agentMemoryKeyPatterns, type KeyPatternDoc } from '../keys.js';
export { type BudgetFit, fitToBudget } from './budget.js';
export {
  IMPACT_WEIGHT,
  type InsightScore,
  insightId,
  normalizeInsightText,
  normalizeTerm,
  RANKING,
  rankInsights,
  retentionValue,
  type ScorableInsight,
  scoreInsight,
} from './ranking.js';
export type { HistoryEntry, Impact, MessageType, Outcome, Priority, Provenance } from './schemas.js';
export {
  type Conversation,
  type MemoryScope,
  readScopes,
  scopeSegment,
  type Visibility,
  writeScope,
} from './scopes.js';
export {
  AGENT_MEMORY_LIMITS,
  type AgentMemorySettings,
  type CorruptItem,
  DEFAULT_AGENT_MEMORY_SETTINGS,
} from './settings.js';
export {
  type AgentMessage,
  type Collaborator,
  DEFAULT_RECALL_LIMITS,
  type ForgetResult,
  type HistoryItem,
  type InsightItem,
  type RankedInsight,
  type Recall,
  type RecallLimits,
  type RecordResult,
  type RoleMemory,
  type StageOutcomeInput,
} from './shapes.js';
export { AgentMemory, FORGET_SCRIPT, RECORD_SCRIPT } from './store.js';
