import { type Answer, fail, invalidArguments, isBlank, isRecord, ok } from './answers.js';
import { type ApiContext, str } from './context.js';
import { slackMessage } from './slack-shapes.js';
import type { StoredMessage } from './store.js';
import type { AgentSession, StreamedContent, StreamedTask } from './workspace.js';

/**
 * Slack's agent surface on the stand-in: agents.sessions.setStatus and the streaming methods
 * (chat.startStream / appendStream / stopStream) with `markdown_text`, `task_update` and `plan_update` chunks.
 * Checked as Slack documents them (docs.slack.dev/reference/methods/…); where Slack is silent the choice is
 * written down here. A streamed message is stored like any other (the page reads it) with `streaming`
 * holding its text, plan title and task cards, and `blocks` the same as Slack's `markdown` / `task_card` blocks.
 */

const SESSION_STATUSES = ['active', 'processing', 'suspended', 'closed'] as const;
const TASK_STATUSES = ['pending', 'in_progress', 'complete', 'error'] as const;
/** agents.sessions.setStatus: "Title for the agent session (max 200 characters)". */
const SESSION_TITLE_MAX = 200;
/** markdown_text: "Limit this field to 12,000 characters." */
const MARKDOWN_MAX = 12_000;
/** A task's `details` and `output`, and a plan's title: 256 characters (Slack's SDK types say so). */
const CHUNK_FIELD_MAX = 256;
/**
 * What one streamed message may hold, in UTF-8 bytes of its text, plan title and task titles, details and
 * outputs. Slack documents no number; it answers `msg_too_long` somewhere between about 10,600 and 11,300
 * bytes (measured by others, see openclaw/openclaw#143882), so the stand-in refuses past the low end.
 */
export const STREAM_MAX_BYTES = 10_600;

/** The answer for one of the agent-surface methods, or undefined for any other method. */
export function agentMethod(
  ctx: ApiContext,
  method: string,
  args: Record<string, unknown>,
): Promise<Answer> | undefined {
  switch (method) {
    case 'agents.sessions.setStatus':
      return setSessionStatus(ctx, args);
    case 'chat.startStream':
      return startStream(ctx, args);
    case 'chat.appendStream':
      return appendStream(ctx, args);
    case 'chat.stopStream':
      return stopStream(ctx, args);
    default:
      return undefined;
  }
}

// ── Agent sessions ───────────────────────────────────────────────────────────────────────────────────

async function setSessionStatus(ctx: ApiContext, args: Record<string, unknown>): Promise<Answer> {
  const missing = ['status', 'channel_id', 'thread_ts'].filter((name) => isBlank(args[name]));
  if (missing.length > 0) return invalidArguments(missing.map((n) => `missing required field: ${n}`));
  const status = String(args.status);
  if (!isSessionStatus(status))
    return invalidArguments([
      `invalid value for status: ${status} (active, processing, suspended or closed)`,
    ]);
  const title = str(args.title);
  if (title !== undefined && title.length > SESSION_TITLE_MAX)
    return invalidArguments([`title is longer than ${SESSION_TITLE_MAX} characters`]);
  const channel = String(args.channel_id);
  const threadTs = String(args.thread_ts);
  const session = await saveSession(ctx, channel, threadTs, status, {
    ...(title !== undefined && { title }),
    ...(str(args.initiator_user_id) !== undefined && { initiator: String(args.initiator_user_id) }),
  });
  return ok({ status: session.status, ...(session.title !== undefined && { title: session.title }) });
}

/** The thread's session as the bot last set it; undefined when it never set one. */
export async function agentSession(
  ctx: Pick<ApiContext, 'workspace'>,
  channel: string,
  threadTs: string,
): Promise<AgentSession | undefined> {
  return ctx.workspace.agentSession(channel, threadTs);
}

/** Title and initiator only count when the session is created, as Slack documents. */
async function saveSession(
  ctx: ApiContext,
  channel: string,
  threadTs: string,
  status: AgentSession['status'],
  created: { title?: string; initiator?: string },
): Promise<AgentSession> {
  const before = await agentSession(ctx, channel, threadTs);
  const session: AgentSession = before
    ? { ...before, status, history: [...before.history, status] }
    : { channel, threadTs, status, ...created, history: [status] };
  await ctx.workspace.saveAgentSession(session);
  return session;
}

function isSessionStatus(value: string): value is AgentSession['status'] {
  return (SESSION_STATUSES as readonly string[]).includes(value);
}

// ── Streaming ────────────────────────────────────────────────────────────────────────────────────────

async function startStream(ctx: ApiContext, args: Record<string, unknown>): Promise<Answer> {
  if (isBlank(args.channel)) return invalidArguments(['missing required field: channel']);
  const channel = String(args.channel);
  // "Required when streaming to channels": everywhere but a DM.
  if (!channel.startsWith('D')) {
    const missing = ['recipient_user_id', 'recipient_team_id'].filter((n) => isBlank(args[n]));
    if (missing.length > 0) return invalidArguments(missing.map((n) => `missing required field: ${n}`));
  }
  const mode = str(args.task_display_mode) ?? 'timeline';
  if (mode !== 'timeline' && mode !== 'plan')
    return invalidArguments([`invalid value for task_display_mode: ${mode} (timeline or plan)`]);
  const content: StreamedContent = { state: 'streaming', displayMode: mode, markdown: '', tasks: [] };
  const applied = applyChunks(content, args);
  if ('error' in applied) return applied.error;
  const threadTs = str(args.thread_ts);
  const stored = await ctx.workspace.post({
    channel,
    ...(threadTs !== undefined && { threadTs }),
    user: ctx.identity.botUserId,
    botId: ctx.identity.botId,
    ...rendered(applied.content),
  });
  return ok({ channel, ts: stored.ts });
}

async function appendStream(ctx: ApiContext, args: Record<string, unknown>): Promise<Answer> {
  const found = await streamingMessage(ctx, args);
  if ('error' in found) return found.error;
  if (isBlank(args.markdown_text) && isBlank(args.chunks))
    return invalidArguments(['missing required field: markdown_text or chunks']);
  const applied = applyChunks(found.content, args);
  if ('error' in applied) return applied.error;
  await ctx.workspace.edit(
    found.message.channel,
    found.message.ts,
    rendered(applied.content),
    ctx.identity.botUserId,
    {
      markEdited: false,
    },
  );
  return ok({ channel: found.message.channel, ts: found.message.ts });
}

async function stopStream(ctx: ApiContext, args: Record<string, unknown>): Promise<Answer> {
  const found = await streamingMessage(ctx, args);
  if ('error' in found) return found.error;
  const status = str(args.session_status) ?? 'active';
  if (!isSessionStatus(status))
    return invalidArguments([
      `invalid value for session_status: ${status} (active, processing, suspended or closed)`,
    ]);
  const applied = applyChunks(found.content, args);
  if ('error' in applied) return applied.error;
  const { channel, ts, threadTs } = found.message;
  const stopped = { ...applied.content, state: 'stopped' as const };
  const edited = await ctx.workspace.edit(channel, ts, rendered(stopped), ctx.identity.botUserId, {
    markEdited: false,
  });
  // "The session status to set after stopping the stream. Default: active": a thread with a session takes it.
  if (threadTs !== undefined && (await agentSession(ctx, channel, threadTs)))
    await saveSession(ctx, channel, threadTs, status, {});
  return ok({ channel, ts, ...(edited && { message: slackMessage(ctx, edited) }) });
}

/**
 * Marks the bot's streams in a thread stopped, as Slack does when someone presses Stop on the session; the
 * ts of those that were streaming, for the `agent_session_stopped` event's `streaming_message_ts`.
 */
export async function stopStreamsInThread(
  ctx: Pick<ApiContext, 'workspace' | 'identity'>,
  channel: string,
  threadTs: string,
): Promise<string[]> {
  const stopped: string[] = [];
  for (const message of await ctx.workspace.thread(channel, threadTs)) {
    if (message.streaming?.state !== 'streaming') continue;
    await ctx.workspace.edit(
      channel,
      message.ts,
      rendered({ ...message.streaming, state: 'stopped' }),
      ctx.identity.botUserId,
      { markEdited: false },
    );
    stopped.push(message.ts);
  }
  return stopped;
}

type Found = { message: StoredMessage; content: StreamedContent } | { error: Answer };

async function streamingMessage(ctx: ApiContext, args: Record<string, unknown>): Promise<Found> {
  const missing = ['channel', 'ts'].filter((n) => isBlank(args[n]));
  if (missing.length > 0)
    return { error: invalidArguments(missing.map((n) => `missing required field: ${n}`)) };
  const message = await ctx.workspace.message(String(args.channel), String(args.ts));
  if (!message || message.tombstone || message.botId !== ctx.identity.botId)
    return { error: fail('message_not_found') };
  if (message.streaming?.state !== 'streaming') return { error: fail('message_not_in_streaming_state') };
  return { message, content: message.streaming };
}

type Applied = { content: StreamedContent } | { error: Answer };

/** Adds `markdown_text` and `chunks` to what the message shows; refuses what Slack would. */
function applyChunks(before: StreamedContent, args: Record<string, unknown>): Applied {
  const content: StreamedContent = { ...before, tasks: before.tasks.map((t) => ({ ...t })) };
  const appendText = (text: unknown): Answer | undefined => {
    if (typeof text !== 'string') return invalidChunks('markdown_text must be a string');
    if (text.length > MARKDOWN_MAX) return fail('msg_too_long');
    content.markdown += text;
    return undefined;
  };
  if (args.markdown_text !== undefined) {
    const problem = appendText(args.markdown_text);
    if (problem) return { error: problem };
  }
  const chunks = args.chunks === undefined ? [] : args.chunks;
  if (!Array.isArray(chunks)) return { error: invalidChunks('chunks must be an array') };
  for (const chunk of chunks) {
    if (!isRecord(chunk)) return { error: invalidChunks('a chunk must be an object') };
    switch (chunk.type) {
      case 'markdown_text': {
        const problem = appendText(chunk.text);
        if (problem) return { error: problem };
        break;
      }
      case 'plan_update': {
        if (typeof chunk.title !== 'string' || chunk.title === '' || chunk.title.length > CHUNK_FIELD_MAX)
          return { error: invalidChunks(`plan_update needs a title of 1 to ${CHUNK_FIELD_MAX} characters`) };
        content.planTitle = chunk.title;
        break;
      }
      case 'task_update': {
        const task = taskOf(chunk);
        if (typeof task === 'string') return { error: invalidChunks(task) };
        const at = content.tasks.findIndex((t) => t.id === task.id);
        if (at === -1) content.tasks.push(task);
        else content.tasks[at] = task;
        break;
      }
      case 'blocks':
        break; // rendered by Slack after the rest; the stand-in keeps only text and tasks
      default:
        return { error: invalidChunks(`unknown chunk type: ${String(chunk.type)}`) };
    }
  }
  if (streamedBytes(content) > STREAM_MAX_BYTES) return { error: fail('msg_too_long') };
  return { content };
}

function taskOf(chunk: Record<string, unknown>): StreamedTask | string {
  const { id, title, status, details, output } = chunk;
  if (typeof id !== 'string' || id === '') return 'task_update needs an id';
  if (typeof title !== 'string' || title === '') return 'task_update needs a title';
  if (typeof status !== 'string' || !(TASK_STATUSES as readonly string[]).includes(status))
    return `task_update status must be one of ${TASK_STATUSES.join(', ')}`;
  for (const [name, value] of [
    ['details', details],
    ['output', output],
  ] as const) {
    if (value !== undefined && (typeof value !== 'string' || value.length > CHUNK_FIELD_MAX))
      return `task_update ${name} must be a string of at most ${CHUNK_FIELD_MAX} characters`;
  }
  return {
    id,
    title,
    status: status as StreamedTask['status'],
    ...(typeof details === 'string' && details !== '' && { details }),
    ...(typeof output === 'string' && output !== '' && { output }),
  };
}

function invalidChunks(problem: string): Answer {
  return fail('invalid_chunks', { response_metadata: { messages: [`[ERROR] ${problem}`] } });
}

/** UTF-8 bytes of what a streamed message shows: the measure its size cap is in. */
export function streamedBytes(content: StreamedContent): number {
  const bytes = (s: string | undefined) => (s ? Buffer.byteLength(s, 'utf8') : 0);
  return (
    bytes(content.markdown) +
    bytes(content.planTitle) +
    content.tasks.reduce((sum, t) => sum + bytes(t.title) + bytes(t.details) + bytes(t.output), 0)
  );
}

/** The stored form: `streaming` for the page, and the same as Slack's blocks and fallback text. */
function rendered(content: StreamedContent): Pick<StoredMessage, 'text' | 'blocks' | 'streaming'> {
  const richText = (text: string) => ({
    type: 'rich_text',
    elements: [{ type: 'rich_text_section', elements: [{ type: 'text', text }] }],
  });
  const blocks: unknown[] = [];
  if (content.markdown !== '') blocks.push({ type: 'markdown', text: content.markdown });
  const cards = content.tasks.map((task) => ({
    type: 'task_card',
    task_id: task.id,
    title: task.title,
    status: task.status,
    ...(task.details !== undefined && { details: richText(task.details) }),
    ...(task.output !== undefined && { output: richText(task.output) }),
  }));
  // In plan mode Slack gathers the tasks under the plan's title: its `plan` block; a timeline lists them.
  if (content.displayMode === 'plan' && content.planTitle !== undefined && cards.length > 0)
    blocks.push({ type: 'plan', title: content.planTitle, tasks: cards });
  else blocks.push(...cards);
  const lines = [
    ...(content.planTitle ? [content.planTitle] : []),
    ...(content.markdown ? [content.markdown] : []),
    ...content.tasks.map(
      (t) =>
        `${t.title}: ${t.status}${t.details ? ` · ${t.details}` : ''}${t.output ? ` — ${t.output}` : ''}`,
    ),
  ];
  return { text: lines.join('\n'), blocks, streaming: content };
}
