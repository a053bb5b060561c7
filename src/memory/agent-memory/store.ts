import type { Redis } from 'ioredis';
import { z } from 'zod';
import { ConfigError, PipewrightError } from '../../domain/errors.js';
import type { RoleId } from '../../domain/roles.js';
import { AgentMemoryKeys } from '../keys.js';
import { loadScript, runScript } from '../lua.js';
import { rankInsights } from './ranking.js';
import { MemoryReader } from './reader.js';
import { recordScriptCall } from './record.js';
import { conversationSchema, idSchema, inputSchema, type Outcome, roleSchema } from './schemas.js';
import { type Conversation, readScopes } from './scopes.js';
import {
  type AgentMemorySettings,
  type CorruptItem,
  DEFAULT_AGENT_MEMORY_SETTINGS,
  settingsSchema,
} from './settings.js';
import {
  type AgentMessage,
  DEFAULT_RECALL_LIMITS,
  type ForgetResult,
  type Recall,
  type RecallLimits,
  type RecordResult,
  type RoleMemory,
  type StageOutcomeInput,
} from './shapes.js';

// Both include lua/includes/agent-memory-prelude.lua (an insight's JSON lines and its retention score);
// each file names its KEYS, ARGV and reply.
/** Writes a stage's deliverable and every memory change of that stage in one step (`recordStageOutcome`). */
export const RECORD_SCRIPT = loadScript('agent-memory-record');
/** Deletes what one project contributed, through its index in every scope (`forgetProject`). */
export const FORGET_SCRIPT = loadScript('agent-memory-forget');

/** What the record script answers: its status, the keys it repaired, and for a closed project its phase. */
const recordReplySchema: z.ZodType<RecordResult, unknown> = z.union([
  z
    .tuple([z.literal('recorded'), z.number().int().nonnegative()])
    .transform(([, repairedKeys]) => ({ status: 'recorded' as const, repairedKeys })),
  z.tuple([z.literal('duplicate'), z.literal(0)]).transform(() => ({ status: 'duplicate' as const })),
  z
    .tuple([z.literal('project_closed'), z.literal(0), z.string()])
    .transform(([, , phase]) => ({ status: 'project_closed' as const, phase })),
]);

function invalid(what: string, cause: unknown): PipewrightError {
  return new PipewrightError('unexpected', `agent memory: ${what}`, {
    fault: 'system',
    retryable: false,
    cause,
  });
}

/**
 * Agent memory in Redis: records a stage's outcome, recalls what a role should be reminded of, describes a
 * role's memory and forgets a project's contributions, each within the scopes its conversation allows
 * (the model is described in ./index.ts).
 */
export class AgentMemory {
  private readonly settings: AgentMemorySettings;
  private readonly reader: MemoryReader;

  /**
   * @param prefix the key prefix (REDIS_KEY_PREFIX); keys are `<prefix>:mem:…` and `<prefix>:msg:…`
   */
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    settings: Partial<AgentMemorySettings> = {},
  ) {
    const { now, onCorrupt, ...numbers } = settings;
    const parsed = settingsSchema.safeParse({ ...DEFAULT_AGENT_MEMORY_SETTINGS, ...numbers });
    if (!parsed.success) throw new ConfigError(`agent memory settings are invalid: ${parsed.error.message}`);
    if (prefix === '' || prefix.includes(' ')) throw new ConfigError('agent memory key prefix is invalid');
    this.settings = { ...parsed.data, now: now ?? Date.now, ...(onCorrupt ? { onCorrupt } : {}) };
    this.reader = new MemoryReader(redis, (item, counter) => this.corrupt(item, counter));
  }

  /**
   * Records what one stage produced and learnt, in one atomic step with its deliverable. Idempotent by record
   * id `<projectId>:<stageId>:<attempt>`: when the deliverable already exists nothing at all is written and
   * `recorded` is false, so a retried job never duplicates anything.
   */
  async recordStageOutcome(input: StageOutcomeInput): Promise<RecordResult> {
    const parsed = inputSchema.safeParse(input);
    if (!parsed.success) throw invalid(`stage outcome is invalid: ${parsed.error.message}`, parsed.error);
    const now = Math.floor(this.settings.now());
    const { keys, payload, mem } = recordScriptCall(this.prefix, this.settings, parsed.data, now);
    const reply = await runScript(this.redis, RECORD_SCRIPT, keys.length, ...keys, JSON.stringify(payload));
    const r = recordReplySchema.safeParse(reply);
    if (!r.success)
      throw invalid(`unexpected reply from the record script: ${JSON.stringify(reply)}`, r.error);
    if (r.data.status === 'recorded' && r.data.repairedKeys > 0) {
      this.corrupt({
        key: mem,
        reason: `${r.data.repairedKeys} wrong-typed key(s) deleted and rebuilt by a record`,
      });
    }
    return r.data;
  }

  /**
   * What a role should be reminded of in a prompt, from the scopes the conversation may read (`readScopes`):
   * its most recent history, its insights ranked for this project (`scoreInsight`), and its unread messages.
   * Reading does not mark messages read.
   */
  async recall(
    query: Conversation & {
      role: RoleId;
      projectTags?: readonly string[];
      limits?: Partial<RecallLimits>;
    },
  ): Promise<Recall> {
    const { conversation, role } = this.checkConversation(query, query.role);
    const limits = { ...DEFAULT_RECALL_LIMITS, ...query.limits };
    const scopes = this.scopeKeys(conversation);
    const now = this.settings.now();
    const counter = { n: 0 };
    const [history, insights, messages] = await Promise.all([
      this.reader.readHistory(scopes, role, limits.history, counter),
      this.reader.readInsights(scopes, role, counter),
      this.reader.readInbox(scopes, role, now, counter),
    ]);
    return {
      history,
      insights: rankInsights(insights, query.projectTags ?? [], now).slice(0, Math.max(0, limits.insights)),
      messages: messages.slice(0, Math.max(0, limits.messages)),
      corrupt: counter.n,
    };
  }

  /** A role's unread messages in what the conversation may read (high priority first, then newest), left unread. */
  async unreadMessages(where: Conversation, role: RoleId): Promise<AgentMessage[]> {
    const checked = this.checkConversation(where, role);
    return this.reader.readInbox(this.scopeKeys(checked.conversation), checked.role, this.settings.now(), {
      n: 0,
    });
  }

  /**
   * What a role remembers, as plain data for the `memory <role>` command asked in `where`: by the same rule
   * as `recall`, a public channel sees the public memory only, a private one its own and the public.
   */
  async describeRole(
    where: Conversation,
    role: RoleId,
    limits: { history?: number; insights?: number } = {},
  ): Promise<RoleMemory> {
    const checked = this.checkConversation(where, role);
    const scopes = this.scopeKeys(checked.conversation);
    const now = this.settings.now();
    const counter = { n: 0 };
    const [allHistory, insights, unread, collaborators] = await Promise.all([
      this.reader.readHistory(scopes, checked.role, this.settings.historyCap, counter),
      this.reader.readInsights(scopes, checked.role, counter),
      this.reader.readInbox(scopes, checked.role, now, counter),
      this.reader.readCollaborators(scopes, checked.role, counter),
    ]);
    const outcomes: Record<Outcome, number> = { success: 0, partial: 0, failure: 0 };
    for (const h of allHistory) outcomes[h.outcome] += 1;
    return {
      teamId: checked.conversation.teamId,
      role: checked.role,
      scopes: readScopes(checked.conversation),
      counts: {
        history: allHistory.length,
        insights: insights.length,
        unreadMessages: unread.length,
        outcomes,
      },
      recentHistory: allHistory.slice(0, limits.history ?? 10),
      topInsights: rankInsights(insights, [], now).slice(0, limits.insights ?? 10),
      collaborators,
      unreadMessages: unread,
      corrupt: counter.n,
    };
  }

  /**
   * Deletes what one project contributed to memory, found through the project's index (no scan) in every
   * scope it may have written to: its conversation's private scope, the workspace's public scope, and the
   * layout from before scopes. Its history entries, insights only it reported (others lose its reports and
   * keep the rest), the messages it sent (from every inbox), and its share of the collaboration counters go,
   * in one script. Stage deliverables are project data, not memory, and are left alone. Running it again
   * finds nothing.
   */
  async forgetProject(project: {
    teamId: string;
    channelId: string;
    projectId: string;
  }): Promise<ForgetResult> {
    const where = conversationSchema.omit({ visibility: true }).safeParse(project);
    const id = idSchema.safeParse(project.projectId);
    if (!where.success || !id.success)
      throw invalid('forgetProject needs a team id, a channel id and a project id', undefined);
    const { teamId, channelId } = where.data;
    const scopes = [
      AgentMemoryKeys.of(this.prefix, teamId, { kind: 'private', channelId }),
      AgentMemoryKeys.of(this.prefix, teamId, { kind: 'public' }),
      AgentMemoryKeys.beforeScopes(this.prefix, teamId),
    ];
    const reply = await runScript(
      this.redis,
      FORGET_SCRIPT,
      scopes.length,
      ...scopes.map((k) => k.project(id.data)),
      id.data,
      ...scopes.flatMap((k) => [k.mem, k.msg]),
    );
    const r = z.array(z.number().int().nonnegative()).length(7).safeParse(reply);
    if (!r.success)
      throw invalid(`unexpected reply from the forget script: ${JSON.stringify(reply)}`, r.error);
    const [records, history, insightsDeleted, insightsUnlinked, messages, collaborations, corrupt] =
      r.data as [number, number, number, number, number, number, number];
    if (corrupt > 0)
      this.corrupt({
        key: scopes.map((k) => k.project(id.data)).join(' '),
        reason: `${corrupt} index entries did not parse`,
      });
    return { records, history, insightsDeleted, insightsUnlinked, messages, collaborations, corrupt };
  }

  // -------------------------------------------------------------------------------------------------------

  private checkConversation(where: Conversation, role: RoleId): { conversation: Conversation; role: RoleId } {
    const c = conversationSchema.safeParse(where);
    const r = roleSchema.safeParse(role);
    if (!c.success || !r.success)
      throw invalid(
        `unknown team, channel, visibility or role: ${where.teamId} ${where.channelId} ${where.visibility} ${role}`,
        undefined,
      );
    return { conversation: c.data, role: r.data };
  }

  /** The keys of every scope `c` may read, its own first. */
  private scopeKeys(c: Conversation): AgentMemoryKeys[] {
    return readScopes(c).map((scope) => AgentMemoryKeys.of(this.prefix, c.teamId, scope));
  }

  private corrupt(item: CorruptItem, counter?: { n: number }): void {
    if (counter) counter.n += 1;
    this.settings.onCorrupt?.(item);
  }
}
