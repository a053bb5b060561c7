import type { Redis } from 'ioredis';
import type { SlackApiIdentity } from './identity.js';
import { type WorkspaceKeys, workspaceKeys } from './keys.js';
import type {
  AgentSession,
  SuggestedPrompt,
  Workspace,
  WorkspaceChange,
  WorkspaceChannel,
  WorkspaceFile,
  WorkspaceMessage,
  WorkspaceUser,
  WorkspaceViews,
} from './workspace.js';

/** A message as kept in Redis: what the page reads, plus what only the Web API answers with. */
export interface StoredMessage extends WorkspaceMessage {
  attachments?: unknown[];
  metadata?: unknown;
}

/** A view the bot published (Home tab) or opened (modal), with the ids Slack gives it. */
export interface StoredView {
  id: string;
  user: string;
  kind: 'home' | 'modal';
  view: Record<string, unknown>;
  /** Changes on every update; views.update may name the hash it expects (Slack's `hash_conflict`). */
  hash: string;
  rootViewId: string;
  previousViewId?: string;
}

/** A file handed out by files.getUploadURLExternal and not yet completed. */
export interface PendingUpload {
  filename: string;
  length: number;
}

/** What a message post carries; `ts` and `channel` placement are the store's job. */
export type NewMessage = Omit<StoredMessage, 'ts' | 'replyCount' | 'latestReply' | 'ephemeralFor'>;

type Listener = (change: WorkspaceChange) => void;

const DEFAULT_HISTORY_LIMIT = 200;
const TS_STEP_MICROS = 100;

/**
 * The stand-in's workspace in Redis (keys: ./keys.ts). The Web API handlers write it as the bot calls Slack;
 * the page reads it and writes people's own messages. Every write tells the in-process subscribers.
 */
export class RedisWorkspace implements Workspace {
  readonly keys: WorkspaceKeys;
  private readonly listeners = new Set<Listener>();
  /** The last ts handed out, kept in memory so ts stay increasing even while Redis is being cleared. */
  private lastTsMicros = 0;

  constructor(
    private readonly redis: Redis,
    keyPrefix: string,
    private readonly identity: Pick<SlackApiIdentity, 'teamId' | 'teamName'>,
  ) {
    this.keys = workspaceKeys(keyPrefix);
  }

  /** Picks up where an earlier stand-in on the same prefix left off, so no ts is handed out twice. */
  async load(): Promise<void> {
    const stored = Number((await this.redis.get(this.keys.lastTs)) ?? 0);
    this.lastTsMicros = Math.max(this.lastTsMicros, Number.isFinite(stored) ? stored : 0);
  }

  // ------------------------------------------------------------------------------------------------------
  // Reading
  // ------------------------------------------------------------------------------------------------------

  async team(): Promise<{ id: string; name: string }> {
    return { id: this.identity.teamId, name: this.identity.teamName };
  }

  async users(): Promise<WorkspaceUser[]> {
    const all = Object.values(await this.redis.hgetall(this.keys.users));
    return all.map((json) => JSON.parse(json) as WorkspaceUser).sort((a, b) => a.name.localeCompare(b.name));
  }

  async user(id: string): Promise<WorkspaceUser | undefined> {
    return parse<WorkspaceUser>(await this.redis.hget(this.keys.users, id));
  }

  /** Public channels first, then private ones, then DMs; by name within each. */
  async channels(): Promise<WorkspaceChannel[]> {
    const all = Object.values(await this.redis.hgetall(this.keys.channels));
    const rank = (c: WorkspaceChannel) => (c.isIm ? 2 : c.isPrivate ? 1 : 0);
    return all
      .map((json) => JSON.parse(json) as WorkspaceChannel)
      .sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
  }

  async channel(id: string): Promise<WorkspaceChannel | undefined> {
    return parse<WorkspaceChannel>(await this.redis.hget(this.keys.channels, id));
  }

  async history(channel: string, opts: { limit?: number } = {}): Promise<StoredMessage[]> {
    const limit = Math.max(1, opts.limit ?? DEFAULT_HISTORY_LIMIT);
    const tss = await this.redis.zrange(this.keys.channelTop(channel), -limit, -1);
    return this.withReplyInfo(channel, await this.messages(channel, tss));
  }

  async thread(channel: string, threadTs: string): Promise<StoredMessage[]> {
    const replyTss = await this.redis.zrange(this.keys.threadReplies(channel, threadTs), 0, -1);
    const [parent, ...replies] = await this.messages(channel, [threadTs, ...replyTss]);
    const withInfo = parent ? await this.withReplyInfo(channel, [parent]) : [];
    return [...withInfo, ...replies];
  }

  /** One message (top level or reply), with its thread's reply count when it has replies. */
  async message(channel: string, ts: string): Promise<StoredMessage | undefined> {
    const [found] = await this.messages(channel, [ts]);
    return found ? (await this.withReplyInfo(channel, [found]))[0] : undefined;
  }

  async ephemerals(channel: string, user: string): Promise<StoredMessage[]> {
    const all = await this.redis.lrange(this.keys.ephemerals(channel, user), 0, -1);
    return all.map((json) => JSON.parse(json) as StoredMessage);
  }

  async file(id: string): Promise<{ file: WorkspaceFile; content: Buffer } | undefined> {
    const [meta, content] = await Promise.all([
      this.redis.hget(this.keys.file(id), 'meta'),
      this.redis.hgetBuffer(this.keys.file(id), 'content'),
    ]);
    const file = parse<WorkspaceFile>(meta);
    return file ? { file, content: content ?? Buffer.alloc(0) } : undefined;
  }

  async views(user: string): Promise<WorkspaceViews> {
    const [homeId, modalIds] = await Promise.all([
      this.redis.get(this.keys.homeView(user)),
      this.redis.lrange(this.keys.modals(user), 0, -1),
    ]);
    const home = homeId ? await this.view(homeId) : undefined;
    const modals = await Promise.all(modalIds.map((id) => this.view(id)));
    return {
      ...(home && { home: home.view, homeId: home.id }),
      modals: modals.flatMap((m) => (m ? [{ id: m.id, view: m.view }] : [])),
    };
  }

  async view(id: string): Promise<StoredView | undefined> {
    return parse<StoredView>(await this.redis.get(this.keys.view(id)));
  }

  async viewByExternalId(externalId: string): Promise<StoredView | undefined> {
    const id = await this.redis.get(this.keys.viewByExternalId(externalId));
    return id ? this.view(id) : undefined;
  }

  async homeViewId(user: string): Promise<string | undefined> {
    return (await this.redis.get(this.keys.homeView(user))) ?? undefined;
  }

  /** The ids of a user's open modals, bottom of the stack first. */
  async modalIds(user: string): Promise<string[]> {
    return this.redis.lrange(this.keys.modals(user), 0, -1);
  }

  async pendingUpload(fileId: string): Promise<PendingUpload | undefined> {
    return parse<PendingUpload>(await this.redis.hget(this.keys.file(fileId), 'upload'));
  }

  async uploadedBytes(fileId: string): Promise<number | undefined> {
    const content = await this.redis.hgetBuffer(this.keys.file(fileId), 'content');
    return content ? content.length : undefined;
  }

  /** The thread's agent session as the bot last set it (agents.sessions.setStatus); undefined when never set. */
  async agentSession(channel: string, threadTs: string): Promise<AgentSession | undefined> {
    const raw = await this.redis.get(this.keys.agentSession(channel, threadTs));
    return raw ? (JSON.parse(raw) as AgentSession) : undefined;
  }

  async suggestedPrompts(channel: string): Promise<SuggestedPrompt[]> {
    const raw = await this.redis.get(this.keys.suggestedPrompts(channel));
    return raw ? (JSON.parse(raw) as SuggestedPrompt[]) : [];
  }

  async saveSuggestedPrompts(channel: string, prompts: SuggestedPrompt[]): Promise<void> {
    await this.redis.set(this.keys.suggestedPrompts(channel), JSON.stringify(prompts));
    this.emit({ kind: 'prompts', channel });
  }

  async saveAgentSession(session: AgentSession): Promise<void> {
    await this.redis.set(this.keys.agentSession(session.channel, session.threadTs), JSON.stringify(session));
    this.emit({ kind: 'session', channel: session.channel, threadTs: session.threadTs });
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  // ------------------------------------------------------------------------------------------------------
  // Writing
  // ------------------------------------------------------------------------------------------------------

  async postAsUser(input: {
    channel: string;
    user: string;
    text: string;
    threadTs?: string;
  }): Promise<StoredMessage> {
    return this.post({
      channel: input.channel,
      user: input.user,
      text: input.text,
      ...(input.threadTs !== undefined && { threadTs: input.threadTs }),
    });
  }

  async closeModal(user: string, viewId: string): Promise<void> {
    await this.redis.lrem(this.keys.modals(user), 0, viewId);
    this.emit({ kind: 'view', user });
  }

  /** Seeds (or re-seeds) people and channels; what is already stored under the same ids is replaced. */
  async seed(seed: { users?: WorkspaceUser[]; channels?: WorkspaceChannel[] }): Promise<void> {
    const multi = this.redis.multi();
    for (const u of seed.users ?? []) multi.hset(this.keys.users, u.id, JSON.stringify(u));
    for (const c of seed.channels ?? []) multi.hset(this.keys.channels, c.id, JSON.stringify(c));
    await multi.exec();
  }

  /** Stores a new message (a reply when `threadTs` is set) with a fresh ts. */
  async post(input: NewMessage): Promise<StoredMessage> {
    const message: StoredMessage = { ...input, ts: await this.nextTs() };
    const index = message.threadTs
      ? this.keys.threadReplies(message.channel, message.threadTs)
      : this.keys.channelTop(message.channel);
    await this.redis
      .multi()
      .set(this.keys.message(message.channel, message.ts), JSON.stringify(message))
      .zadd(index, Number(message.ts), message.ts)
      .exec();
    this.emit({
      kind: 'message',
      channel: message.channel,
      ts: message.ts,
      action: 'posted',
      ...thread(message),
    });
    return message;
  }

  /**
   * Applies `changes` to a stored message and marks it edited by `editor` (unless `markEdited: false`: a
   * click's response replacing its message shows no mark in Slack); undefined when there is none.
   */
  async edit(
    channel: string,
    ts: string,
    changes: Partial<
      Pick<StoredMessage, 'text' | 'blocks' | 'attachments' | 'metadata' | 'files' | 'streaming'>
    >,
    editor: string,
    opts: { markEdited?: boolean } = {},
  ): Promise<StoredMessage | undefined> {
    const [stored] = await this.messages(channel, [ts]);
    if (!stored) return undefined;
    const defined = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
    const edited: StoredMessage = { ...stored, ...defined };
    if (opts.markEdited !== false) edited.edited = { user: editor, ts: await this.nextTs() };
    await this.redis.set(this.keys.message(channel, ts), JSON.stringify(edited));
    this.emit({ kind: 'message', channel, ts, action: 'edited', ...thread(edited) });
    return edited;
  }

  /**
   * Deletes a message; a parent with replies stays as a tombstone ("This message was deleted.") so its
   * thread can still be read, as in Slack. False when there was none.
   */
  async remove(channel: string, ts: string): Promise<boolean> {
    const [stored] = await this.messages(channel, [ts]);
    if (!stored || stored.tombstone) return false;
    const isReply = stored.threadTs !== undefined && stored.threadTs !== ts;
    const hasReplies = !isReply && (await this.redis.zcard(this.keys.threadReplies(channel, ts))) > 0;
    if (hasReplies) {
      const tombstone: StoredMessage = { channel, ts, text: 'This message was deleted.', tombstone: true };
      await this.redis.set(this.keys.message(channel, ts), JSON.stringify(tombstone));
    } else {
      const index = isReply
        ? this.keys.threadReplies(channel, String(stored.threadTs))
        : this.keys.channelTop(channel);
      await this.redis.multi().del(this.keys.message(channel, ts)).zrem(index, ts).exec();
    }
    this.emit({ kind: 'message', channel, ts, action: 'deleted', ...thread(stored) });
    return true;
  }

  /** Stores a message only `user` sees. */
  async postEphemeral(input: NewMessage & { ephemeralFor: string }): Promise<StoredMessage> {
    const message: StoredMessage = { ...input, ts: await this.nextTs() };
    await this.redis.rpush(this.keys.ephemerals(input.channel, input.ephemeralFor), JSON.stringify(message));
    this.emit({
      kind: 'ephemeral',
      channel: input.channel,
      user: input.ephemeralFor,
      ...thread(message),
    });
    return message;
  }

  async nextFileId(): Promise<string> {
    return `F${String(await this.redis.incr(this.keys.fileSeq)).padStart(10, '0')}`;
  }

  async beginUpload(fileId: string, upload: PendingUpload): Promise<void> {
    await this.redis.hset(this.keys.file(fileId), 'upload', JSON.stringify(upload));
  }

  async storeBytes(fileId: string, content: Buffer): Promise<void> {
    await this.redis.hset(this.keys.file(fileId), 'content', content);
  }

  /** Makes a file downloadable: its description next to its bytes. */
  async completeFile(file: WorkspaceFile, content?: Buffer): Promise<void> {
    const multi = this.redis.multi().hset(this.keys.file(file.id), 'meta', JSON.stringify(file));
    if (content) multi.hset(this.keys.file(file.id), 'content', content);
    await multi.hdel(this.keys.file(file.id), 'upload').exec();
  }

  async nextViewId(): Promise<string> {
    return `V${String(await this.redis.incr(this.keys.viewSeq)).padStart(10, '0')}`;
  }

  /** Stores a view; a Home tab replaces the user's previous one, a modal goes on top of their stack. */
  async saveView(view: StoredView, placement: 'home' | 'push' | 'replace'): Promise<void> {
    const multi = this.redis.multi().set(this.keys.view(view.id), JSON.stringify(view));
    if (placement === 'home') multi.set(this.keys.homeView(view.user), view.id);
    if (placement === 'push') multi.rpush(this.keys.modals(view.user), view.id);
    const externalId = view.view.external_id;
    if (typeof externalId === 'string' && externalId !== '') {
      multi.set(this.keys.viewByExternalId(externalId), view.id);
    }
    await multi.exec();
    this.emit({ kind: 'view', user: view.user });
  }

  /** Deletes every key of this workspace (a test's reset). */
  async clear(): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${this.keys.prefix}:*`, 'COUNT', 500);
      if (keys.length > 0) await this.redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  }

  // ------------------------------------------------------------------------------------------------------

  /** Unique, increasing ts in Slack's "seconds.micros" form, from the clock (kept increasing across restarts). */
  async nextTs(): Promise<string> {
    const micros = Math.max(Date.now() * 1000, this.lastTsMicros + TS_STEP_MICROS);
    this.lastTsMicros = micros;
    await this.redis.set(this.keys.lastTs, String(micros));
    return `${Math.floor(micros / 1_000_000)}.${String(micros % 1_000_000).padStart(6, '0')}`;
  }

  private async messages(channel: string, tss: string[]): Promise<StoredMessage[]> {
    if (tss.length === 0) return [];
    const found = await this.redis.mget(tss.map((ts) => this.keys.message(channel, ts)));
    return found.flatMap((json) => (json ? [JSON.parse(json) as StoredMessage] : []));
  }

  /** Top-level messages with replies carry reply_count, latest_reply and their own ts as thread_ts. */
  private async withReplyInfo(channel: string, messages: StoredMessage[]): Promise<StoredMessage[]> {
    const pipeline = this.redis.pipeline();
    for (const m of messages) {
      pipeline.zcard(this.keys.threadReplies(channel, m.ts));
      pipeline.zrange(this.keys.threadReplies(channel, m.ts), -1, -1);
    }
    const results = (await pipeline.exec()) ?? [];
    return messages.map((m, i) => {
      const count = Number(results[2 * i]?.[1] ?? 0);
      const latest = (results[2 * i + 1]?.[1] as string[] | undefined)?.[0];
      if (count === 0 || latest === undefined || (m.threadTs && m.threadTs !== m.ts)) return m;
      return { ...m, threadTs: m.ts, replyCount: count, latestReply: latest };
    });
  }

  private emit(change: WorkspaceChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch {
        // A subscriber's failure is its own: the write has happened and the others still hear of it.
      }
    }
  }
}

function thread(message: StoredMessage): { threadTs?: string } {
  return message.threadTs !== undefined ? { threadTs: message.threadTs } : {};
}

function parse<T>(json: string | null | undefined): T | undefined {
  return json ? (JSON.parse(json) as T) : undefined;
}
