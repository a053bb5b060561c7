import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { jsonSchemaInstance } from './json-schema-instance.js';
import { closeServer, listenOnLoopback, readRaw } from './loopback-server.js';
import { waitFor as poll } from './wait.js';

/**
 * A loopback stand-in for the Anthropic Messages API (`POST /v1/messages`). Point the real SDK at it with
 * `new Anthropic({ apiKey: 'test', baseURL: standIn.url })`. It checks requests the way the API does,
 * records them, and answers with scripted replies or, by default, with output that fits the requested schema.
 */

export interface RecordedRequest {
  body: {
    model: string;
    system?: unknown;
    messages: Array<{ role: string; content: unknown }>;
    output_config?: { format?: { type: string; schema: object }; effort?: string };
    max_tokens: number;
    [k: string]: unknown;
  };
  headers: Record<string, string | undefined>;
  /** `system` flattened to text, whether it was a string or an array of text blocks. */
  systemText: string;
  /** Text of the last user message, flattened (text blocks and tool_result text joined by newlines). */
  lastUserText: string;
  at: number;
  /** HTTP status the stand-in answered with. */
  status: number;
}

export type StandInReply =
  | { text: string }
  | { json: unknown }
  | { status: number; errorType?: string; message?: string; headers?: Record<string, string> };

export type Responder = (req: RecordedRequest) => StandInReply | undefined;

/** Answers held back until `release()`: a model call that is still running, for as long as a test needs. */
export interface Hold {
  /** Resolves with the first held request, once it has arrived. */
  arrived: Promise<RecordedRequest>;
  /** Lets every held request (and every later one it matches) be answered. */
  release(): void;
}

/**
 * How the answers to matching streamed requests (`stream: true`) go out: in chunks of `chunkChars` text
 * characters, stopping after every `pauseEveryChunks` chunks until the test says `resume()`, or breaking
 * off after `breakAfterChunks` chunks with an `error` event (`overloaded_error`), as the API does when it
 * fails mid-answer.
 */
export interface StreamOptions {
  chunkChars?: number;
  pauseEveryChunks?: number;
  breakAfterChunks?: number;
}

export interface StreamControl {
  /** Resolves once a matching stream has stopped at a pause, with the text characters sent so far. */
  paused(): Promise<number>;
  /** Lets the paused stream go on to its next pause, or its end. */
  resume(): void;
  /** Lets every stream it controls run to its end, now and from now on. */
  release(): void;
}

export interface AnthropicStandIn {
  /** Origin to use as the SDK's `baseURL`, e.g. `http://127.0.0.1:PORT`. */
  url: string;
  requests: RecordedRequest[];
  /** Replies used first, oldest first, one per valid request. */
  enqueue(...replies: StandInReply[]): void;
  /** Consulted when the queue is empty; returning undefined falls through to the default reply. */
  setResponder(fn: Responder | undefined): void;
  setLatencyMs(ms: number): void;
  /** Holds the answer to every request `matches` accepts (recorded at once, answered on `release()`). */
  hold(matches: (req: RecordedRequest) => boolean): Hold;
  /** Shapes the streamed answers to every request `matches` accepts (see `StreamOptions`). */
  controlStreams(matches: (req: RecordedRequest) => boolean, options: StreamOptions): StreamControl;
  waitFor(pred: (reqs: RecordedRequest[]) => boolean, timeoutMs?: number): Promise<void>;
  reset(): void;
  close(): Promise<void>;
}

type ErrorReply = { status: number; errorType: string; message: string; headers?: Record<string, string> };
type Decision = { kind: 'text'; text: string } | ({ kind: 'error' } & ErrorReply);

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

const ERROR_MESSAGES: Record<string, string> = {
  invalid_request_error: 'Invalid request',
  authentication_error: 'invalid x-api-key',
  rate_limit_error: 'Number of request tokens has exceeded your per-minute rate limit',
  api_error: 'Internal server error',
  overloaded_error: 'Overloaded',
};

export async function startAnthropicStandIn(): Promise<AnthropicStandIn> {
  const state = {
    requests: [] as RecordedRequest[],
    queue: [] as StandInReply[],
    responder: undefined as Responder | undefined,
    latencyMs: 0,
    counter: 0,
    holds: [] as HeldAnswers[],
    streams: [] as ControlledStreams[],
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const n = ++state.counter;
    const requestId = `req_standin_${n}`;
    if (req.method !== 'POST' || new URL(req.url ?? '/', 'http://x').pathname !== '/v1/messages') {
      return sendError(res, requestId, { status: 404, errorType: 'not_found_error', message: 'Not found' });
    }
    const raw = (await readRaw(req)).toString('utf8');
    const headers = flattenHeaders(req);
    const parsed = parseJson(raw);
    const body = (isRecord(parsed) ? parsed : {}) as RecordedRequest['body'];
    const record: RecordedRequest = {
      body,
      headers,
      systemText: flattenText(body.system),
      lastUserText: lastUserText(body.messages),
      at: Date.now(),
      status: 200,
    };
    const decision = validate(headers, parsed) ?? decide(record, state);
    if (decision.kind === 'error') record.status = decision.status;
    state.requests.push(record);
    for (const hold of state.holds.filter((h) => h.matches(record))) {
      hold.arrive(record);
      await hold.released;
    }
    if (state.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, state.latencyMs));

    if (decision.kind === 'error') return sendError(res, requestId, decision);
    const message = successEnvelope(n, body.model, decision.text, raw.length);
    if (body.stream === true)
      return sendStream(
        res,
        requestId,
        message,
        state.streams.find((c) => c.matches(record)),
      );
    sendJson(res, 200, message, { 'request-id': requestId });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      sendError(res, 'req_standin_failed', { status: 500, errorType: 'api_error', message });
    });
  });
  const url = await listenOnLoopback(server);

  return {
    url,
    requests: state.requests,
    enqueue: (...replies) => {
      state.queue.push(...replies);
    },
    setResponder: (fn) => {
      state.responder = fn;
    },
    setLatencyMs: (ms) => {
      state.latencyMs = ms;
    },
    hold: (matches) => {
      const held = heldAnswers(matches);
      state.holds.push(held);
      return {
        arrived: held.arrived,
        release: () => {
          state.holds = state.holds.filter((h) => h !== held);
          held.release();
        },
      };
    },
    controlStreams: (matches, options) => {
      const controlled = controlledStreams(matches, options);
      state.streams.push(controlled);
      return controlled.control;
    },
    waitFor: async (pred, timeoutMs = 10_000) => {
      await poll(() => pred(state.requests), {
        timeoutMs,
        message: () =>
          `Anthropic stand-in: condition not met within ${timeoutMs} ms; ${describe(state.requests)}`,
      });
    },
    reset: () => {
      state.requests.length = 0;
      state.queue.length = 0;
      state.responder = undefined;
      state.latencyMs = 0;
      for (const held of state.holds.splice(0)) held.release();
      for (const controlled of state.streams.splice(0)) controlled.control.release();
    },
    close: async () => {
      for (const held of state.holds.splice(0)) held.release();
      for (const controlled of state.streams.splice(0)) controlled.control.release();
      await closeServer(server);
    },
  };
}

interface HeldAnswers {
  matches: (req: RecordedRequest) => boolean;
  arrive: (req: RecordedRequest) => void;
  arrived: Promise<RecordedRequest>;
  released: Promise<void>;
  release: () => void;
}

function heldAnswers(matches: (req: RecordedRequest) => boolean): HeldAnswers {
  let arrive: (req: RecordedRequest) => void = () => undefined;
  let release: () => void = () => undefined;
  const arrived = new Promise<RecordedRequest>((resolve) => {
    arrive = resolve;
  });
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { matches, arrive, arrived, released, release };
}

interface ControlledStreams {
  matches: (req: RecordedRequest) => boolean;
  options: StreamOptions;
  control: StreamControl;
  /** Called by the stream at each pause; resolves when the test resumes it (or releases all). */
  pause(sentChars: number): Promise<void>;
}

function controlledStreams(
  matches: (req: RecordedRequest) => boolean,
  options: StreamOptions,
): ControlledStreams {
  const seen: number[] = [];
  let waiter: ((sentChars: number) => void) | undefined;
  let resumeCurrent: (() => void) | undefined;
  let released = false;
  const resume = () => {
    const go = resumeCurrent;
    resumeCurrent = undefined;
    go?.();
  };
  return {
    matches,
    options,
    control: {
      paused: () =>
        new Promise<number>((resolve) => {
          const sent = seen.shift();
          if (sent === undefined) waiter = resolve;
          else resolve(sent);
        }),
      resume,
      release: () => {
        released = true;
        resume();
      },
    },
    pause: (sentChars) =>
      released
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            resumeCurrent = resolve;
            const tell = waiter;
            waiter = undefined;
            if (tell) tell(sentChars);
            else seen.push(sentChars);
          }),
  };
}

/** The checks the real API makes before it looks at anything else. */
function validate(headers: Record<string, string | undefined>, parsed: unknown): Decision | undefined {
  if (!headers['x-api-key'] && !headers.authorization) {
    return errorDecision(401, 'authentication_error', 'x-api-key header is required');
  }
  if (!headers['anthropic-version']) {
    return errorDecision(400, 'invalid_request_error', 'anthropic-version: header is required');
  }
  if (!isRecord(parsed)) {
    return errorDecision(400, 'invalid_request_error', 'request body must be a JSON object');
  }
  if (typeof parsed.model !== 'string' || parsed.model === '') {
    return errorDecision(400, 'invalid_request_error', 'model: Field required');
  }
  if (typeof parsed.max_tokens !== 'number') {
    return errorDecision(400, 'invalid_request_error', 'max_tokens: Field required');
  }
  if (!Array.isArray(parsed.messages) || parsed.messages.length === 0) {
    return errorDecision(400, 'invalid_request_error', 'messages: at least one message is required');
  }
  const effort = isRecord(parsed.output_config) ? parsed.output_config.effort : undefined;
  if (effort !== undefined && !['low', 'medium', 'high', 'xhigh', 'max'].includes(String(effort))) {
    return errorDecision(
      400,
      'invalid_request_error',
      `output_config.effort: invalid value ${String(effort)}`,
    );
  }
  return undefined;
}

/** Queue first, then the responder, then the default reply. */
function decide(record: RecordedRequest, state: { queue: StandInReply[]; responder: Responder | undefined }) {
  const reply = state.queue.shift() ?? state.responder?.(record) ?? defaultReply(record);
  return toDecision(reply);
}

function defaultReply(record: RecordedRequest): StandInReply {
  const format = record.body.output_config?.format;
  if (format?.type !== 'json_schema') {
    return { text: `Stand-in deliverable: ${record.lastUserText.slice(0, 120)}` };
  }
  try {
    return { json: jsonSchemaInstance(format.schema) };
  } catch (error) {
    // Say why in the API's own error shape, so the failing test shows the schema problem.
    const reason = error instanceof Error ? error.message : String(error);
    return {
      status: 500,
      message: `stand-in could not build an instance of output_config.format.schema: ${reason}`,
    };
  }
}

function toDecision(reply: StandInReply): Decision {
  if ('status' in reply) {
    const errorType = reply.errorType ?? ERROR_TYPES[reply.status] ?? 'api_error';
    const message = reply.message ?? ERROR_MESSAGES[errorType] ?? errorType;
    return {
      kind: 'error',
      status: reply.status,
      errorType,
      message,
      ...(reply.headers && { headers: reply.headers }),
    };
  }
  if ('json' in reply) return { kind: 'text', text: JSON.stringify(reply.json) };
  return { kind: 'text', text: reply.text };
}

function errorDecision(status: number, errorType: string, message: string): Decision {
  return { kind: 'error', status, errorType, message };
}

function successEnvelope(n: number, model: unknown, text: string, requestChars: number) {
  return {
    id: `msg_${n}`,
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'text', text }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: {
      input_tokens: Math.ceil(requestChars / 4),
      output_tokens: Math.ceil(text.length / 4),
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    },
  };
}

/** Server-sent events in the order the real API streams them, so `messages.stream()` works too. */
async function sendStream(
  res: ServerResponse,
  requestId: string,
  message: ReturnType<typeof successEnvelope>,
  controlled?: ControlledStreams,
) {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    'request-id': requestId,
  });
  const text = message.content[0]?.text ?? '';
  const event = (type: string, data: object) =>
    res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  event('message_start', {
    message: { ...message, content: [], stop_reason: null, usage: { ...message.usage, output_tokens: 1 } },
  });
  event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
  const { chunkChars = 64, pauseEveryChunks, breakAfterChunks } = controlled?.options ?? {};
  let chunks = 0;
  for (let i = 0; i < text.length; i += chunkChars) {
    event('content_block_delta', {
      index: 0,
      delta: { type: 'text_delta', text: text.slice(i, i + chunkChars) },
    });
    chunks++;
    if (breakAfterChunks !== undefined && chunks >= breakAfterChunks) {
      event('error', { error: { type: 'overloaded_error', message: 'Overloaded' } });
      res.end();
      return;
    }
    const more = i + chunkChars < text.length;
    if (controlled && pauseEveryChunks && more && chunks % pauseEveryChunks === 0)
      await controlled.pause(Math.min(text.length, i + chunkChars));
  }
  event('content_block_stop', { index: 0 });
  event('message_delta', {
    delta: { stop_reason: 'end_turn', stop_sequence: null },
    usage: { output_tokens: message.usage.output_tokens },
  });
  event('message_stop', {});
  res.end();
}

function sendError(res: ServerResponse, requestId: string, reply: ErrorReply) {
  const body = {
    type: 'error',
    error: { type: reply.errorType, message: reply.message },
    request_id: requestId,
  };
  sendJson(res, reply.status, body, { 'request-id': requestId, ...reply.headers });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function flattenText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (!Array.isArray(value)) return '';
  return value
    .map((block) => {
      if (!isRecord(block)) return '';
      if (block.type === 'text' && typeof block.text === 'string') return block.text;
      if (block.type === 'tool_result') return flattenText(block.content);
      return '';
    })
    .filter(Boolean)
    .join('\n');
}

function lastUserText(messages: unknown): string {
  if (!Array.isArray(messages)) return '';
  const lastUser = [...messages].reverse().find((m) => isRecord(m) && m.role === 'user');
  return isRecord(lastUser) ? flattenText(lastUser.content) : '';
}

function describe(requests: RecordedRequest[]): string {
  if (requests.length === 0) return 'no requests recorded';
  const last = requests.slice(-5).map((r) => `${r.status} ${r.body.model} "${r.lastUserText.slice(0, 60)}"`);
  return `${requests.length} request(s) recorded, last: ${last.join(' | ')}`;
}

function flattenHeaders(req: IncomingMessage): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
