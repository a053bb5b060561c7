import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { z } from 'zod';
import { closeServer, listenOnLoopback, readRaw } from './loopback-server.js';
import {
  attachSocketMode,
  type EnvelopeType,
  type SendEnvelopeOptions,
  type SocketAck,
  type SocketModeEndpoint,
} from './slack-socket-mode.js';
import { waitFor as poll } from './wait.js';

/**
 * A loopback stand-in for the Slack Web API. Point the real WebClient at it with
 * `new WebClient(token, { slackApiUrl: standIn.apiUrl })` (Bolt: `clientOptions: { slackApiUrl }`).
 * It refuses what Slack refuses (unknown methods, missing arguments, bad tokens, Block Kit over its limits),
 * answers the rest with realistic payloads, and records every call for assertions.
 * It also serves Socket Mode (see ./slack-socket-mode.ts): `apps.connections.open` with the app token hands
 * out a WebSocket URL, and `sendEnvelope` delivers events and interactivity over it.
 */

export type { EnvelopeType, SendEnvelopeOptions, SocketAck } from './slack-socket-mode.js';

export interface SlackCall {
  method: string;
  args: Record<string, unknown>;
  at: number;
  response: Record<string, unknown>;
  /** HTTP status of the answer: 200, or 429 for an injected rate limit; 0 when no answer was sent (`dropAfterHandlingNext`). */
  status: number;
  /** Token the call authenticated with (header or body), kept out of `args`. */
  token: string | undefined;
}

/** How users.info describes a user (`setUser`); unset fields answer as a plain member of the stand-in's team. */
export interface StandInUser {
  teamId?: string;
  /** A multi-channel guest. */
  isRestricted?: boolean;
  /** A single-channel guest. */
  isUltraRestricted?: boolean;
  isBot?: boolean;
}

/** How conversations.info describes a channel (`setChannel`); unset: by its id (D… a DM, G… private, else public). */
export interface StandInChannel {
  isPrivate?: boolean;
  isIm?: boolean;
  isMpim?: boolean;
  isExtShared?: boolean;
}

export interface SlackStandInOptions {
  token?: string;
  /** The app-level token (`xapp-…`) `apps.connections.open` accepts. */
  appToken?: string;
  teamId?: string;
  botUserId?: string;
  botId?: string;
}

export interface SlackStandIn {
  /** e.g. `http://127.0.0.1:PORT/api/`, with the trailing slash the WebClient's `slackApiUrl` needs. */
  apiUrl: string;
  calls: SlackCall[];
  callsTo(method: string): SlackCall[];
  /** The next `count` calls to `method` answer HTTP 429 with `Retry-After: retryAfterSeconds`. */
  rateLimitNext(method: string, count: number, retryAfterSeconds: number): void;
  /**
   * Enforces Slack's chat.postMessage limit per channel from now on: `burst` posts back to back, then
   * one per `intervalMs`; a post over the limit answers 429 with Retry-After, as Slack does.
   */
  limitPostsPerChannel(limit: { intervalMs: number; burst: number }): void;
  /** The next call to `method` answers `{ ok: false, error }`. Repeated calls queue further failures. */
  failNext(method: string, error: string): void;
  /** The next call to `method` is answered only after `ms` (a slow Slack). Repeated calls queue further delays. */
  delayNext(method: string, ms: number): void;
  /** What users.info says about `userId` from now on. */
  setUser(userId: string, user: StandInUser): void;
  /** What conversations.info says about `channelId` from now on. */
  setChannel(channelId: string, channel: StandInChannel): void;
  /**
   * A `response_url` for a click payload (Slack's hooks.slack.com/actions/… in production). What the app
   * posts there is recorded as a call to the method `response_url`, its JSON body as `args`.
   */
  responseUrl(label?: string): string;
  /**
   * Hosts a file the way Slack does and returns the file object as events carry it (`files[]` of a
   * `file_share` message). Its `url_private_download` answers the bytes only to the bot token, and like
   * Slack an HTML sign-in page to anyone else; each download is recorded as a call to `file_download`.
   */
  hostFile(
    name: string,
    content: string,
    opts?: { mimetype?: string; filetype?: string },
  ): Record<string, unknown>;
  /**
   * The next call to `method` is carried out (a post lands in the thread) but never answered: `reset`
   * drops the connection at once, as a network failure would; `hang` leaves it open without a word, as a
   * stalled proxy would. The call is recorded with status 0. Repeated calls queue further drops.
   */
  dropAfterHandlingNext(method: string, how?: 'reset' | 'hang'): void;
  waitFor(predicate: (calls: SlackCall[]) => boolean, timeoutMs?: number): Promise<void>;
  /** Socket Mode clients connected right now. */
  socketClients(): number;
  /**
   * Sends a Socket Mode envelope to the most recently connected client and resolves with its ack;
   * rejects when none is connected or no ack arrives within `opts.timeoutMs` (5 s).
   */
  sendEnvelope(
    type: EnvelopeType,
    payload: object,
    opts?: SendEnvelopeOptions,
  ): Promise<{ envelope_id: string; ack: unknown }>;
  /** Every ack Socket Mode clients sent, in order. */
  socketAcks: SocketAck[];
  reset(): void;
  close(): Promise<void>;
}

type Answer = { status: number; body: Record<string, unknown>; headers?: Record<string, string> };
type Config = Required<SlackStandInOptions>;

interface State {
  config: Config;
  origin: string;
  socket?: SocketModeEndpoint;
  calls: SlackCall[];
  rateLimits: Map<string, { remaining: number; retryAfterSeconds: number }>;
  postLimit: { intervalMs: number; burst: number } | undefined;
  /** Per channel: when the next post would be on schedule (GCRA), for `postLimit`. */
  postSchedule: Map<string, number>;
  failures: Map<string, string[]>;
  delays: Map<string, number[]>;
  users: Map<string, StandInUser>;
  channels: Map<string, StandInChannel>;
  hostedFiles: Map<string, { name: string; content: Buffer; mimetype: string }>;
  drops: Map<string, Array<'reset' | 'hang'>>;
  uploads: Map<string, { filename: string; length: number; bytes?: number }>;
  tsCounter: number;
  fileCounter: number;
  /** Messages the bot posted, by channel, as conversations.replies returns them (edits applied). */
  messages: Map<string, Array<Record<string, unknown>>>;
}

// ---------------------------------------------------------------------------------------------------------
// Which methods exist and what they require
// ---------------------------------------------------------------------------------------------------------

const methodsFixture = z.object({
  methods: z.record(z.string(), z.object({ required: z.array(z.string()) })),
  newer_methods: z.array(z.string()),
});

/** Required arguments the 2021 spec in the fixture lacks (newer methods carry no required list at all). */
const EXTRA_REQUIRED: Record<string, string[]> = {
  'chat.update': ['channel', 'ts'],
  'files.getUploadURLExternal': ['filename', 'length'],
  'files.completeUploadExternal': ['files'],
};

/** Form-encoded clients send these as JSON strings; recorded args hold the decoded value. */
const JSON_FIELDS = ['blocks', 'attachments', 'files', 'metadata', 'view'];

const MESSAGE_TEXT_LIMIT = 40_000;

let knownMethods: Map<string, string[]> | undefined;

function requiredArgs(method: string): string[] | undefined {
  if (!knownMethods) {
    const path = new URL('../fixtures/slack-web-api-methods.json', import.meta.url);
    const fixture = methodsFixture.parse(JSON.parse(readFileSync(path, 'utf8')));
    knownMethods = new Map(Object.entries(fixture.methods).map(([name, spec]) => [name, spec.required]));
    for (const name of fixture.newer_methods) if (!knownMethods.has(name)) knownMethods.set(name, []);
  }
  const required = knownMethods.get(method);
  if (required === undefined) return undefined;
  return [...new Set([...required, ...(EXTRA_REQUIRED[method] ?? [])])];
}

// ---------------------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------------------

export async function startSlackStandIn(opts: SlackStandInOptions = {}): Promise<SlackStandIn> {
  const state: State = {
    config: {
      token: opts.token ?? 'xoxb-test-token',
      appToken: opts.appToken ?? 'xapp-test-token',
      teamId: opts.teamId ?? 'T0001',
      botUserId: opts.botUserId ?? 'UBOT',
      botId: opts.botId ?? 'BBOT',
    },
    origin: '',
    calls: [],
    rateLimits: new Map(),
    postLimit: undefined,
    postSchedule: new Map(),
    failures: new Map(),
    delays: new Map(),
    users: new Map(),
    channels: new Map(),
    hostedFiles: new Map(),
    drops: new Map(),
    uploads: new Map(),
    tsCounter: 0,
    fileCounter: 0,
    messages: new Map(),
  };

  const server = createServer((req, res) => {
    route(state, req, res).catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      send(res, { status: 500, body: { ok: false, error: 'internal_error', detail: message } });
    });
  });
  state.origin = await listenOnLoopback(server);
  const socket = attachSocketMode(server, state.origin);
  state.socket = socket;

  return {
    apiUrl: `${state.origin}/api/`,
    calls: state.calls,
    callsTo: (method) => state.calls.filter((call) => call.method === method),
    rateLimitNext: (method, count, retryAfterSeconds) => {
      state.rateLimits.set(method, { remaining: count, retryAfterSeconds });
    },
    limitPostsPerChannel: (limit) => {
      state.postLimit = limit;
    },
    failNext: (method, error) => {
      state.failures.set(method, [...(state.failures.get(method) ?? []), error]);
    },
    delayNext: (method, ms) => {
      state.delays.set(method, [...(state.delays.get(method) ?? []), ms]);
    },
    setUser: (userId, user) => {
      state.users.set(userId, user);
    },
    setChannel: (channelId, channel) => {
      state.channels.set(channelId, channel);
    },
    responseUrl: (label = 'click') => `${state.origin}/actions/${state.config.teamId}/${label}`,
    hostFile: (name, content, opts = {}) => hostFile(state, name, content, opts),
    dropAfterHandlingNext: (method, how = 'reset') => {
      state.drops.set(method, [...(state.drops.get(method) ?? []), how]);
    },
    waitFor: async (predicate, timeoutMs = 10_000) => {
      await poll(() => predicate(state.calls), {
        timeoutMs,
        message: () =>
          `Slack stand-in: condition not met within ${timeoutMs} ms; ${describeCalls(state.calls)}`,
      });
    },
    socketClients: () => socket.socketClients(),
    sendEnvelope: (type, payload, sendOpts) => socket.sendEnvelope(type, payload, sendOpts),
    socketAcks: socket.acks,
    reset: () => {
      socket.reset();
      state.calls.length = 0;
      state.rateLimits.clear();
      state.postLimit = undefined;
      state.postSchedule.clear();
      state.failures.clear();
      state.delays.clear();
      state.users.clear();
      state.channels.clear();
      state.hostedFiles.clear();
      state.drops.clear();
      state.uploads.clear();
      state.messages.clear();
    },
    close: async () => {
      await socket.close();
      await closeServer(server);
    },
  };
}

async function route(state: State, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', state.origin);
  const apiMatch = /^\/api\/([\w.]+)$/.exec(url.pathname);
  const uploadMatch = /^\/upload\/(\w+)$/.exec(url.pathname);
  if (req.method === 'POST' && uploadMatch?.[1]) return handleUpload(state, uploadMatch[1], req, res);
  const responseMatch = /^\/actions\/\w+\/([\w-]+)$/.exec(url.pathname);
  if (req.method === 'POST' && responseMatch?.[1])
    return handleResponseUrl(state, responseMatch[1], req, res);
  const fileMatch = /^\/files-pri\/[\w-]+-(F\w+)\/download\/[^/]+$/.exec(url.pathname);
  if (req.method === 'GET' && fileMatch?.[1]) return handleFileDownload(state, fileMatch[1], req, res);
  if (apiMatch?.[1] && (req.method === 'POST' || req.method === 'GET')) {
    return handleApi(state, apiMatch[1], url, req, res);
  }
  res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
}

async function handleApi(state: State, method: string, url: URL, req: IncomingMessage, res: ServerResponse) {
  const parsed = await readArgs(req, url);
  const { token: bodyToken, ...args } = parsed ?? {};
  const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
  const token = bearer ?? (typeof bodyToken === 'string' && bodyToken !== '' ? bodyToken : undefined);
  const delayMs = state.delays.get(method)?.shift();
  if (delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, delayMs));
  const answer = parsed ? answerApi(state, method, args, token) : fail('invalid_json');
  const drop = answer.status === 200 ? state.drops.get(method)?.shift() : undefined;
  state.calls.push({
    method,
    args,
    at: Date.now(),
    response: answer.body,
    status: drop ? 0 : answer.status,
    token,
  });
  if (drop === 'reset') req.socket.destroy();
  else if (drop === undefined) send(res, answer);
  // 'hang': the connection stays open, unanswered, until the client gives up or the stand-in closes.
}

/** Slack's answer to a call over its rate limit: HTTP 429 with the seconds to wait. */
function rateLimited(retryAfterSeconds: number): Answer {
  return {
    status: 429,
    body: { ok: false, error: 'ratelimited' },
    headers: { 'retry-after': String(retryAfterSeconds) },
  };
}

/** Ms until this post would be within the channel's limit (0: it is, and it counts against it). */
function postLimitWait(state: State, method: string, args: Record<string, unknown>): number {
  const limit = state.postLimit;
  if (!limit || method !== 'chat.postMessage' || typeof args.channel !== 'string') return 0;
  const now = Date.now();
  const due = Math.max(state.postSchedule.get(args.channel) ?? 0, now);
  const wait = due - (limit.burst - 1) * limit.intervalMs - now;
  if (wait > 0) return wait;
  state.postSchedule.set(args.channel, due + limit.intervalMs);
  return 0;
}

/** Slack's own order: existence, rate limit, authentication, arguments, content. */
function answerApi(
  state: State,
  method: string,
  args: Record<string, unknown>,
  token: string | undefined,
): Answer {
  const required = requiredArgs(method);
  if (required === undefined) return fail('unknown_method');

  const limit = state.rateLimits.get(method);
  if (limit && limit.remaining > 0) {
    limit.remaining -= 1;
    return rateLimited(limit.retryAfterSeconds);
  }
  const overLimitMs = postLimitWait(state, method, args);
  if (overLimitMs > 0) return rateLimited(Math.ceil(overLimitMs / 1000));

  if (token === undefined) return fail('not_authed');
  const tokenProblem = authProblem(state.config, method, token);
  if (tokenProblem) return fail(tokenProblem);

  const injected = state.failures.get(method)?.shift();
  if (injected !== undefined) return fail(injected);

  const missing = required.filter((name) => isBlank(args[name]));
  if (missing.length > 0) {
    const messages = missing.map((name) => `[ERROR] missing required field: ${name}`);
    return fail('invalid_arguments', { response_metadata: { messages } });
  }

  return contentProblem(method, args) ?? succeed(state, method, args);
}

/** Methods an app-level token may call; every other method wants the bot token, and vice versa. */
const APP_TOKEN_METHODS = new Set(['apps.connections.open', 'apps.event.authorizations.list']);

function authProblem(config: Config, method: string, token: string): string | undefined {
  const isAppToken = token === config.appToken;
  if (!isAppToken && token !== config.token) return 'invalid_auth';
  return isAppToken === APP_TOKEN_METHODS.has(method) ? undefined : 'not_allowed_token_type';
}

function fail(error: string, extra: Record<string, unknown> = {}): Answer {
  return { status: 200, body: { ok: false, error, ...extra } };
}

function isBlank(value: unknown): boolean {
  return (
    value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0)
  );
}

// ---------------------------------------------------------------------------------------------------------
// Message content: text presence and size, Block Kit limits
// ---------------------------------------------------------------------------------------------------------

function contentProblem(method: string, args: Record<string, unknown>): Answer | undefined {
  const needsContent = method === 'chat.postMessage' || method === 'chat.postEphemeral';
  if (needsContent && isBlank(args.text) && isBlank(args.blocks) && isBlank(args.attachments)) {
    return fail('no_text');
  }
  if (method.startsWith('chat.') && typeof args.text === 'string' && args.text.length > MESSAGE_TEXT_LIMIT) {
    return fail('msg_too_long');
  }
  if (args.blocks === undefined) return undefined;
  if (!Array.isArray(args.blocks)) return fail('invalid_blocks_format');
  const errors = blockKitErrors(args.blocks);
  if (errors.length === 0) return undefined;
  return fail('invalid_blocks', {
    errors,
    response_metadata: { messages: errors.map((e) => `[ERROR] ${e}`) },
  });
}

/** Checks the Block Kit limits Slack enforces; each reason ends with a JSON pointer like Slack's own. */
export function blockKitErrors(blocks: unknown[]): string[] {
  const errors: string[] = [];
  if (blocks.length > 50) {
    errors.push(`no more than 50 blocks allowed, got ${blocks.length} [json-pointer:/blocks]`);
  }
  blocks.forEach((block, i) => {
    checkBlock(block, `/blocks/${i}`, errors);
  });
  return errors;
}

function checkBlock(block: unknown, at: string, errors: string[]): void {
  if (!isRecord(block) || typeof block.type !== 'string') {
    errors.push(`block must be an object with a string "type" [json-pointer:${at}]`);
    return;
  }
  checkLength(block.block_id, 255, `${at}/block_id`, errors);
  switch (block.type) {
    case 'section':
      if (block.text === undefined && block.fields === undefined) {
        errors.push(`section block must have "text" or "fields" [json-pointer:${at}]`);
      }
      if (block.text !== undefined) checkTextObject(block.text, 3000, `${at}/text`, errors);
      checkList(block.fields, 10, `${at}/fields`, errors, (field, fieldAt) =>
        checkTextObject(field, 2000, fieldAt, errors),
      );
      if (block.accessory !== undefined) checkElement(block.accessory, `${at}/accessory`, errors);
      return;
    case 'header':
      checkTextObject(block.text, 150, `${at}/text`, errors, true);
      return;
    case 'actions':
      checkList(block.elements, 25, `${at}/elements`, errors, (element, elementAt) =>
        checkElement(element, elementAt, errors),
      );
      return;
    case 'context':
      checkList(block.elements, 10, `${at}/elements`, errors, (element, elementAt) => {
        if (isRecord(element) && (element.type === 'mrkdwn' || element.type === 'plain_text')) {
          checkTextObject(element, 3000, elementAt, errors);
        }
      });
      return;
    default:
      // divider, image, rich_text, input, ...: no limits modelled here.
      return;
  }
}

function checkElement(element: unknown, at: string, errors: string[]): void {
  if (!isRecord(element) || typeof element.type !== 'string') {
    errors.push(`element must be an object with a string "type" [json-pointer:${at}]`);
    return;
  }
  checkLength(element.action_id, 255, `${at}/action_id`, errors);
  if (element.type !== 'button') return;
  checkTextObject(element.text, 75, `${at}/text`, errors, true);
  checkLength(element.value, 2000, `${at}/value`, errors);
  checkLength(element.url, 3000, `${at}/url`, errors);
}

function checkTextObject(value: unknown, max: number, at: string, errors: string[], plainOnly = false): void {
  if (!isRecord(value)) {
    errors.push(`must be a text object [json-pointer:${at}]`);
    return;
  }
  const allowed = plainOnly ? ['plain_text'] : ['plain_text', 'mrkdwn'];
  if (!allowed.includes(String(value.type))) {
    errors.push(
      `text object type must be ${allowed.map((t) => `"${t}"`).join(' or ')} [json-pointer:${at}/type]`,
    );
  }
  if (typeof value.text !== 'string' || value.text.length === 0) {
    errors.push(`must be more than 0 characters [json-pointer:${at}/text]`);
    return;
  }
  checkLength(value.text, max, `${at}/text`, errors);
}

function checkLength(value: unknown, max: number, at: string, errors: string[]): void {
  if (typeof value === 'string' && value.length > max) {
    errors.push(`must be at most ${max} characters, got ${value.length} [json-pointer:${at}]`);
  }
}

function checkList(
  value: unknown,
  max: number,
  at: string,
  errors: string[],
  checkItem: (item: unknown, itemAt: string) => void,
): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) {
    errors.push(`must be an array [json-pointer:${at}]`);
    return;
  }
  if (value.length > max) {
    errors.push(`no more than ${max} items allowed, got ${value.length} [json-pointer:${at}]`);
  }
  value.forEach((item, i) => {
    checkItem(item, `${at}/${i}`);
  });
}

// ---------------------------------------------------------------------------------------------------------
// Successful answers
// ---------------------------------------------------------------------------------------------------------

function succeed(state: State, method: string, args: Record<string, unknown>): Answer {
  const { config } = state;
  const ok = (body: Record<string, unknown> = {}): Answer => ({ status: 200, body: { ok: true, ...body } });
  switch (method) {
    case 'auth.test':
      return ok({
        url: 'https://test.slack.com/',
        team: 'Test',
        user: 'pipewright',
        team_id: config.teamId,
        user_id: config.botUserId,
        bot_id: config.botId,
        is_enterprise_install: false,
      });
    case 'chat.postMessage': {
      const ts = nextTs(state);
      const message = { ...botMessage(config, args), ts };
      const channel = String(args.channel);
      state.messages.set(channel, [...(state.messages.get(channel) ?? []), message]);
      return ok({ channel: args.channel, ts, message });
    }
    case 'chat.update': {
      const stored = state.messages.get(String(args.channel))?.find((m) => m.ts === args.ts);
      if (!stored) return fail('message_not_found');
      Object.assign(stored, botMessage(config, { ...args, thread_ts: stored.thread_ts }), {
        metadata: args.metadata ?? stored.metadata,
      });
      return ok({
        channel: args.channel,
        ts: args.ts,
        text: args.text ?? '',
        message: botMessage(config, args),
      });
    }
    case 'chat.postEphemeral':
      return ok({ message_ts: nextTs(state) });
    case 'chat.delete':
      return ok({ channel: args.channel, ts: args.ts });
    case 'files.getUploadURLExternal': {
      const fileId = `F${String(++state.fileCounter).padStart(10, '0')}`;
      state.uploads.set(fileId, { filename: String(args.filename), length: Number(args.length) });
      return ok({ upload_url: `${state.origin}/upload/${fileId}`, file_id: fileId });
    }
    case 'files.completeUploadExternal':
      return completeUpload(state, args);
    case 'users.info':
      return typeof args.user === 'string'
        ? ok({ user: userProfile(config, args.user, state.users.get(args.user)) })
        : fail('user_not_found');
    case 'conversations.info':
      return typeof args.channel === 'string'
        ? ok({ channel: channelInfo(config, args.channel, state.channels.get(args.channel)) })
        : fail('channel_not_found');
    case 'apps.connections.open':
      return state.socket ? ok({ url: state.socket.openConnection() }) : fail('internal_error');
    case 'conversations.replies': {
      // The thread's messages in order; metadata only when asked for, as Slack does.
      const withMetadata = args.include_all_metadata === true || args.include_all_metadata === 'true';
      const thread = (state.messages.get(String(args.channel)) ?? [])
        .filter((m) => m.ts === args.ts || m.thread_ts === args.ts)
        .map((m) => (withMetadata ? m : { ...m, metadata: undefined }));
      return ok({ messages: thread, has_more: false });
    }
    default:
      return ok();
  }
}

function botMessage(config: Config, args: Record<string, unknown>): Record<string, unknown> {
  return {
    type: 'message',
    text: args.text ?? '',
    user: config.botUserId,
    bot_id: config.botId,
    team: config.teamId,
    ...(args.thread_ts !== undefined && { thread_ts: args.thread_ts }),
    ...(args.blocks !== undefined && { blocks: args.blocks }),
    ...(args.metadata !== undefined && { metadata: args.metadata }),
  };
}

/** Unique, increasing message timestamps in Slack's "seconds.micros" form. */
function nextTs(state: State): string {
  const micros = 1_700_000_000_000_100 + state.tsCounter++ * 100;
  return `${Math.floor(micros / 1_000_000)}.${String(micros % 1_000_000).padStart(6, '0')}`;
}

/** Completes uploads; with `channel_id`, shares them as one bot message (in `thread_ts`), as Slack does. */
function completeUpload(state: State, args: Record<string, unknown>): Answer {
  const files = args.files;
  if (!Array.isArray(files)) {
    return fail('invalid_arguments', {
      response_metadata: { messages: ['[ERROR] files must be a JSON array'] },
    });
  }
  const completed: Record<string, unknown>[] = [];
  for (const file of files) {
    const id = isRecord(file) ? file.id : undefined;
    const upload = typeof id === 'string' ? state.uploads.get(id) : undefined;
    if (!isRecord(file) || upload === undefined) return fail('file_not_found');
    const title = typeof file.title === 'string' ? file.title : upload.filename;
    completed.push({ id, title, name: upload.filename, size: upload.bytes ?? upload.length });
  }
  if (typeof args.channel_id === 'string') {
    const message = {
      ...botMessage(state.config, { text: args.initial_comment, thread_ts: args.thread_ts }),
      ts: nextTs(state),
      files: completed,
    };
    state.messages.set(args.channel_id, [...(state.messages.get(args.channel_id) ?? []), message]);
  }
  return { status: 200, body: { ok: true, files: completed } };
}

function userProfile(config: Config, userId: string, user: StandInUser = {}): Record<string, unknown> {
  const isBot = user.isBot ?? userId === config.botUserId;
  const name = isBot ? 'pipewright' : `user-${userId.toLowerCase()}`;
  const realName = isBot ? 'Pipewright' : `Test User ${userId}`;
  return {
    id: userId,
    team_id: user.teamId ?? config.teamId,
    name,
    real_name: realName,
    deleted: false,
    is_bot: isBot,
    is_admin: false,
    is_restricted: user.isRestricted ?? false,
    is_ultra_restricted: user.isUltraRestricted ?? false,
    tz: 'Europe/London',
    tz_label: 'Greenwich Mean Time',
    tz_offset: 0,
    profile: {
      real_name: realName,
      display_name: name,
      ...(isBot ? { bot_id: config.botId } : { email: `${name}@example.com` }),
      image_48: `https://example.com/avatars/${userId}.png`,
    },
  };
}

/** conversations.info's channel object: the flags Slack sets for a public or private channel, a DM or a group DM. */
function channelInfo(
  config: Config,
  channelId: string,
  channel: StandInChannel = {},
): Record<string, unknown> {
  const isIm = channel.isIm ?? channelId.startsWith('D');
  const isMpim = channel.isMpim ?? false;
  const isPrivate = channel.isPrivate ?? (isIm || isMpim || channelId.startsWith('G'));
  const isExtShared = channel.isExtShared ?? false;
  return {
    id: channelId,
    ...(isIm ? { user: 'UDMPARTNER' } : { name: `channel-${channelId.toLowerCase()}` }),
    is_channel: !isIm && !isMpim && !isPrivate,
    is_group: isPrivate && !isIm && !isMpim,
    is_im: isIm,
    is_mpim: isMpim,
    is_private: isPrivate,
    is_archived: false,
    is_general: false,
    is_shared: isExtShared,
    is_ext_shared: isExtShared,
    is_org_shared: false,
    context_team_id: config.teamId,
    created: 1_700_000_000,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Files shared by users (url_private_download) and click response URLs
// ---------------------------------------------------------------------------------------------------------

function hostFile(
  state: State,
  name: string,
  content: string,
  opts: { mimetype?: string; filetype?: string },
): Record<string, unknown> {
  const id = `F${String(++state.fileCounter).padStart(10, '0')}`;
  const bytes = Buffer.from(content, 'utf8');
  const mimetype = opts.mimetype ?? 'text/plain';
  state.hostedFiles.set(id, { name, content: bytes, mimetype });
  const base = `${state.origin}/files-pri/${state.config.teamId}-${id}`;
  return {
    id,
    created: 1_700_000_000,
    timestamp: 1_700_000_000,
    name,
    title: name,
    mimetype,
    filetype: opts.filetype ?? 'text',
    pretty_type: 'Plain Text',
    user: 'UUPLOADER',
    user_team: state.config.teamId,
    editable: false,
    size: bytes.length,
    mode: 'hosted',
    is_external: false,
    external_type: '',
    is_public: false,
    public_url_shared: false,
    display_as_bot: false,
    username: '',
    url_private: `${base}/${encodeURIComponent(name)}`,
    url_private_download: `${base}/download/${encodeURIComponent(name)}`,
    permalink: `https://test.slack.com/files/UUPLOADER/${id}/${encodeURIComponent(name)}`,
    file_access: 'visible',
  };
}

/** Slack answers a download without the right token with its sign-in page (200, HTML), not an error. */
function handleFileDownload(state: State, fileId: string, req: IncomingMessage, res: ServerResponse): void {
  const token = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
  const file = state.hostedFiles.get(fileId);
  const authorised = token === state.config.token;
  state.calls.push({
    method: 'file_download',
    args: { file_id: fileId },
    at: Date.now(),
    response: { ok: authorised && file !== undefined },
    status: file ? 200 : 404,
    token,
  });
  if (!file) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('file not found');
    return;
  }
  if (!authorised) {
    res
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      .end('<!DOCTYPE html><html>Sign in</html>');
    return;
  }
  res
    .writeHead(200, { 'content-type': file.mimetype, 'content-length': file.content.length })
    .end(file.content);
}

/** What a click's response_url takes: a JSON message (ephemeral unless said otherwise). */
async function handleResponseUrl(
  state: State,
  label: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const body = parseJsonObject((await readRaw(req)).toString('utf8'));
  state.calls.push({
    method: 'response_url',
    args: { ...(body ?? {}), label },
    at: Date.now(),
    response: { ok: body !== undefined },
    status: body ? 200 : 400,
    token: undefined,
  });
  send(
    res,
    body
      ? { status: 200, body: { ok: true } }
      : { status: 400, body: { ok: false, error: 'invalid_payload' } },
  );
}

// ---------------------------------------------------------------------------------------------------------
// File upload target (the URL handed out by files.getUploadURLExternal)
// ---------------------------------------------------------------------------------------------------------

async function handleUpload(state: State, fileId: string, req: IncomingMessage, res: ServerResponse) {
  const raw = await readRaw(req);
  const file = await uploadedContent(raw, req.headers['content-type']);
  const upload = state.uploads.get(fileId);
  if (upload) upload.bytes = file.length;
  const reply = `OK - ${file.length}`;
  const args = { file_id: fileId, bytes: file.length, content: file.toString('utf8') };
  state.calls.push({
    method: 'upload',
    args,
    at: Date.now(),
    response: { body: reply },
    status: 200,
    token: undefined,
  });
  res.writeHead(200, { 'content-type': 'text/plain' }).end(reply);
}

/** The WebClient posts the file as multipart/form-data; record the file itself, not the envelope around it. */
async function uploadedContent(raw: Buffer, contentType: string | undefined): Promise<Buffer> {
  if (!contentType?.startsWith('multipart/form-data')) return raw;
  const form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
  for (const value of form.values()) {
    if (typeof value !== 'string') return Buffer.from(await value.arrayBuffer());
  }
  const first = form.values().next().value;
  return Buffer.from(typeof first === 'string' ? first : '');
}

// ---------------------------------------------------------------------------------------------------------
// HTTP plumbing
// ---------------------------------------------------------------------------------------------------------

/**
 * Arguments from the query string and the body (form, JSON or multipart), JSON-string fields decoded.
 * Undefined when a JSON body does not parse.
 */
async function readArgs(req: IncomingMessage, url: URL): Promise<Record<string, unknown> | undefined> {
  const args: Record<string, unknown> = Object.fromEntries(url.searchParams);
  const raw = await readRaw(req);
  const contentType = req.headers['content-type'] ?? '';
  if (contentType.startsWith('application/json')) {
    const parsed = parseJsonObject(raw.toString('utf8') || '{}');
    if (parsed === undefined) return undefined;
    Object.assign(args, parsed);
  } else if (contentType.startsWith('multipart/form-data')) {
    const form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
    for (const [key, value] of form) {
      args[key] = typeof value === 'string' ? value : { filename: value.name, bytes: value.size };
    }
  } else if (raw.length > 0) {
    Object.assign(args, Object.fromEntries(new URLSearchParams(raw.toString('utf8'))));
  }
  for (const field of JSON_FIELDS) args[field] = decodeJsonString(args[field]);
  for (const key of Object.keys(args)) if (args[key] === undefined) delete args[key];
  return args;
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return isRecord(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function decodeJsonString(value: unknown): unknown {
  if (typeof value !== 'string' || !/^\s*[[{]/.test(value)) return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function describeCalls(calls: SlackCall[]): string {
  if (calls.length === 0) return 'no calls recorded';
  const last = calls.slice(-5).map((call) => {
    const args = JSON.stringify(call.args);
    const outcome = call.response.ok === false ? ` -> ${String(call.response.error)}` : '';
    return `${call.method} ${args.length > 100 ? `${args.slice(0, 100)}...` : args}${outcome}`;
  });
  return `${calls.length} call(s) recorded, last:\n  ${last.join('\n  ')}`;
}

function send(res: ServerResponse, answer: Answer): void {
  res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', ...answer.headers });
  res.end(JSON.stringify(answer.body));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
