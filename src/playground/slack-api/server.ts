import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Redis } from 'ioredis';
import { type Answer, fail, invalidArguments, isBlank, rateLimited } from './answers.js';
import { contentProblem } from './block-kit-limits.js';
import type { ApiContext, SlackCall } from './context.js';
import { handleFileDownload, handleUpload, hostFile } from './file-methods.js';
import { succeed } from './handlers.js';
import { closeServer, listenOnLoopback, readArgs, send } from './http.js';
import type { SlackApiIdentity } from './identity.js';
import { APP_TOKEN_METHODS, requiredArgs } from './method-table.js';
import { handleResponseUrl, RESPONSE_URL_PATH, type ResponseTarget, responseUrlFor } from './response-url.js';
import { PLAYGROUND_IDENTITY, type WorkspaceSeed } from './seed.js';
import type { StandInChannel, StandInUser } from './slack-shapes.js';
import { slackView } from './slack-shapes.js';
import {
  attachSocketMode,
  type EnvelopeType,
  type SendEnvelopeOptions,
  type SocketAck,
} from './socket-mode.js';
import { RedisWorkspace } from './store.js';
import { mintTriggerId } from './view-methods.js';
import type { Workspace } from './workspace.js';

/**
 * The Slack Web API stand-in: a loopback HTTP server the real WebClient (and Bolt) talk to with
 * `slackApiUrl: apiUrl`. It refuses what Slack refuses (unknown methods, missing arguments, bad tokens,
 * Block Kit over its limits, rate limits with Retry-After), keeps the workspace in Redis under `keyPrefix`
 * (channels, threads with their edits and deletes, files with their bytes, ephemerals, views) and records
 * every call in memory for tests. It also serves Socket Mode (./socket-mode.ts) and click response URLs.
 * The playground runs one for the page; each integration test runs its own on a fresh prefix.
 */

export interface SlackApiOptions {
  /** The Redis the workspace lives in; the caller owns the connection (the stand-in never closes it). */
  redis: Redis;
  /** Every key the workspace writes starts with `<keyPrefix>:`; one workspace per prefix. */
  keyPrefix: string;
  /** Who the workspace is; unset fields are the playground's (PLAYGROUND_IDENTITY). */
  identity?: Partial<SlackApiIdentity>;
  /** People and channels to store at start (and again after `reset`); see seedPlaygroundWorkspace. */
  seed?: WorkspaceSeed;
  /** Port on 127.0.0.1; a free one when unset. */
  port?: number;
}

export type { SlackCall } from './context.js';
export type { ResponseTarget } from './response-url.js';
export type { StandInChannel, StandInUser } from './slack-shapes.js';
export type { EnvelopeType, SendEnvelopeOptions, SocketAck } from './socket-mode.js';

export interface SlackApiStandIn {
  /** e.g. `http://127.0.0.1:PORT/api/`, with the trailing slash the WebClient's `slackApiUrl` needs. */
  apiUrl: string;
  /** e.g. `http://127.0.0.1:PORT`: where files, uploads and response URLs are served. */
  origin: string;
  identity: SlackApiIdentity;
  /** The bot token the stand-in accepts (`identity.botToken`). */
  botToken: string;
  /** The workspace the stand-in keeps, for the page to read and to post people's messages into. */
  workspace: Workspace;
  /**
   * A `response_url` for a click payload (Slack's hooks.slack.com/actions/… in production). What the app
   * posts there is recorded as a call to the method `response_url` (its JSON body as `args`, plus `label`);
   * with `to`, it is also carried out: an ephemeral for `to.user` in `to.channel` / `to.threadTs` by
   * default, `in_channel` a message, `replace_original` / `delete_original` an edit / a deletion of
   * `to.messageTs`.
   */
  responseUrl(label?: string, to?: ResponseTarget): string;
  /** A trigger_id for a click or command by `user`, which views.open and views.push accept. */
  triggerId(user: string): string;
  /** A view as Slack repeats it in interaction payloads (ids, hash, state), or undefined when gone. */
  viewAsSent(viewId: string): Promise<Record<string, unknown> | undefined>;
  /** The id of the Home tab view the bot published for `user`, if any. */
  homeViewId(user: string): Promise<string | undefined>;
  /**
   * Hosts a file the way Slack does and returns the file object as events carry it (`files[]` of a
   * `file_share` message). Its `url_private_download` answers the bytes only to the bot token, and like
   * Slack an HTML sign-in page to anyone else; each download is recorded as a call to `file_download`.
   */
  hostFile(
    name: string,
    content: string | Buffer,
    opts?: { mimetype?: string; filetype?: string; user?: string },
  ): Record<string, unknown>;
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
  /** What users.info says about `userId` from now on (over what is stored). */
  setUser(userId: string, user: StandInUser): void;
  /** What conversations.info says about `channelId` from now on (over what is stored). */
  setChannel(channelId: string, channel: StandInChannel): void;
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
  /** Forgets the call log and every injected behaviour, and empties the workspace (seeding it again). */
  reset(): Promise<void>;
  /** Stops serving; the workspace stays in Redis, so a stand-in started on the same prefix carries on. */
  close(): Promise<void>;
}

/** Test hooks' state: in memory, per stand-in. */
interface Hooks {
  rateLimits: Map<string, { remaining: number; retryAfterSeconds: number }>;
  postLimit: { intervalMs: number; burst: number } | undefined;
  /** Per channel: when the next post would be on schedule (GCRA), for `postLimit`. */
  postSchedule: Map<string, number>;
  failures: Map<string, string[]>;
  delays: Map<string, number[]>;
  drops: Map<string, Array<'reset' | 'hang'>>;
}

export async function startSlackApi(opts: SlackApiOptions): Promise<SlackApiStandIn> {
  const identity: SlackApiIdentity = { ...PLAYGROUND_IDENTITY, ...opts.identity };
  const workspace = new RedisWorkspace(opts.redis, opts.keyPrefix, identity);
  await workspace.load();
  if (opts.seed) await workspace.seed(opts.seed);

  const calls: SlackCall[] = [];
  const hooks: Hooks = {
    rateLimits: new Map(),
    postLimit: undefined,
    postSchedule: new Map(),
    failures: new Map(),
    delays: new Map(),
    drops: new Map(),
  };
  let ctx: ApiContext | undefined;
  const server = createServer((req, res) => {
    if (!ctx) return void res.writeHead(503).end();
    route(ctx, hooks, req, res).catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      if (!res.headersSent)
        send(res, { status: 500, body: { ok: false, error: 'internal_error', detail: message } });
    });
  });
  const origin = await listenOnLoopback(server, opts.port);
  const socket = attachSocketMode(server, origin);
  const context: ApiContext = {
    identity,
    origin,
    workspace,
    userOverrides: new Map(),
    channelOverrides: new Map(),
    socket,
    record: (call) => {
      calls.push({ ...call, at: Date.now() });
    },
  };
  ctx = context;

  const queue = <T>(map: Map<string, T[]>, key: string, value: T) => {
    map.set(key, [...(map.get(key) ?? []), value]);
  };

  return {
    apiUrl: `${origin}/api/`,
    origin,
    identity,
    botToken: identity.botToken,
    workspace,
    responseUrl: (label, to) => responseUrlFor(context, label, to),
    triggerId: (user) => mintTriggerId(user),
    viewAsSent: async (viewId) => {
      const stored = await workspace.view(viewId);
      return stored ? slackView(identity, stored) : undefined;
    },
    homeViewId: (user) => workspace.homeViewId(user),
    hostFile: (name, content, fileOpts) => hostFile(context, name, content, fileOpts),
    calls,
    callsTo: (method) => calls.filter((call) => call.method === method),
    rateLimitNext: (method, count, retryAfterSeconds) => {
      hooks.rateLimits.set(method, { remaining: count, retryAfterSeconds });
    },
    limitPostsPerChannel: (limit) => {
      hooks.postLimit = limit;
    },
    failNext: (method, error) => queue(hooks.failures, method, error),
    delayNext: (method, ms) => queue(hooks.delays, method, ms),
    setUser: (userId, user) => {
      context.userOverrides.set(userId, user);
    },
    setChannel: (channelId, channel) => {
      context.channelOverrides.set(channelId, channel);
    },
    dropAfterHandlingNext: (method, how = 'reset') => queue(hooks.drops, method, how),
    waitFor: (predicate, timeoutMs = 10_000) => pollCalls(calls, predicate, timeoutMs),
    socketClients: () => socket.socketClients(),
    sendEnvelope: (type, payload, sendOpts) => socket.sendEnvelope(type, payload, sendOpts),
    socketAcks: socket.acks,
    reset: async () => {
      socket.reset();
      calls.length = 0;
      hooks.rateLimits.clear();
      hooks.postLimit = undefined;
      hooks.postSchedule.clear();
      hooks.failures.clear();
      hooks.delays.clear();
      hooks.drops.clear();
      context.userOverrides.clear();
      context.channelOverrides.clear();
      await workspace.clear();
      if (opts.seed) await workspace.seed(opts.seed);
    },
    close: async () => {
      await socket.close();
      await closeServer(server);
    },
  };
}

const FILE_PATH = /^\/files-pri\/[\w-]+-(F\w+)\/download\/[^/]+$/;
const UPLOAD_PATH = /^\/upload\/(\w+)$/;
const API_PATH = /^\/api\/([\w.]+)$/;

async function route(
  ctx: ApiContext,
  hooks: Hooks,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', ctx.origin);
  const upload = UPLOAD_PATH.exec(url.pathname)?.[1];
  if (req.method === 'POST' && upload) return handleUpload(ctx, upload, req, res);
  const response = RESPONSE_URL_PATH.exec(url.pathname);
  if (req.method === 'POST' && response?.[1])
    return handleResponseUrl(ctx, response[1], response[2], req, res);
  const file = FILE_PATH.exec(url.pathname)?.[1];
  if (req.method === 'GET' && file) return handleFileDownload(ctx, file, req, res);
  const method = API_PATH.exec(url.pathname)?.[1];
  if (method && (req.method === 'POST' || req.method === 'GET'))
    return handleApi(ctx, hooks, method, url, req, res);
  res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
}

async function handleApi(
  ctx: ApiContext,
  hooks: Hooks,
  method: string,
  url: URL,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const parsed = await readArgs(req, url);
  const { token: bodyToken, ...args } = parsed ?? {};
  const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
  const token = bearer ?? (typeof bodyToken === 'string' && bodyToken !== '' ? bodyToken : undefined);
  const delayMs = hooks.delays.get(method)?.shift();
  if (delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, delayMs));
  const answer = parsed ? await answerApi(ctx, hooks, method, args, token) : fail('invalid_json');
  const drop = answer.status === 200 ? hooks.drops.get(method)?.shift() : undefined;
  ctx.record({ method, args, response: answer.body, status: drop ? 0 : answer.status, token });
  if (drop === 'reset') req.socket.destroy();
  else if (drop === undefined) send(res, answer);
  // 'hang': the connection stays open, unanswered, until the client gives up or the stand-in closes.
}

/** Slack's own order: existence, rate limit, authentication, arguments, content. */
async function answerApi(
  ctx: ApiContext,
  hooks: Hooks,
  method: string,
  args: Record<string, unknown>,
  token: string | undefined,
): Promise<Answer> {
  const required = requiredArgs(method);
  if (required === undefined) return fail('unknown_method');

  const limit = hooks.rateLimits.get(method);
  if (limit && limit.remaining > 0) {
    limit.remaining -= 1;
    return rateLimited(limit.retryAfterSeconds);
  }
  const overLimitMs = postLimitWait(hooks, method, args);
  if (overLimitMs > 0) return rateLimited(Math.ceil(overLimitMs / 1000));

  if (token === undefined) return fail('not_authed');
  const tokenProblem = authProblem(ctx.identity, method, token);
  if (tokenProblem) return fail(tokenProblem);

  const injected = hooks.failures.get(method)?.shift();
  if (injected !== undefined) return fail(injected);

  const missing = required.filter((name) => isBlank(args[name]));
  if (missing.length > 0) return invalidArguments(missing.map((name) => `missing required field: ${name}`));

  return contentProblem(method, args) ?? succeed(ctx, method, args);
}

/** Ms until this post would be within the channel's limit (0: it is, and it counts against it). */
function postLimitWait(hooks: Hooks, method: string, args: Record<string, unknown>): number {
  const limit = hooks.postLimit;
  if (!limit || method !== 'chat.postMessage' || typeof args.channel !== 'string') return 0;
  const now = Date.now();
  const due = Math.max(hooks.postSchedule.get(args.channel) ?? 0, now);
  const wait = due - (limit.burst - 1) * limit.intervalMs - now;
  if (wait > 0) return wait;
  hooks.postSchedule.set(args.channel, due + limit.intervalMs);
  return 0;
}

function authProblem(identity: SlackApiIdentity, method: string, token: string): string | undefined {
  const isAppToken = token === identity.appToken;
  if (!isAppToken && token !== identity.botToken) return 'invalid_auth';
  return isAppToken === APP_TOKEN_METHODS.has(method) ? undefined : 'not_allowed_token_type';
}

async function pollCalls(
  calls: SlackCall[],
  predicate: (calls: SlackCall[]) => boolean,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      if (predicate(calls)) return;
    } catch (error) {
      // A predicate that throws counts as "not yet" (the call it looks into may not have come).
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const reason = lastError === undefined ? '' : ` (last probe error: ${String(lastError)})`;
      throw new Error(
        `Slack stand-in: condition not met within ${timeoutMs} ms; ${describeCalls(calls)}${reason}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
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
