import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Answer } from './answers.js';
import { isRecord } from './answers.js';

/** Listens on a free loopback port (or `port`); resolves with the origin, e.g. http://127.0.0.1:43123. */
export async function listenOnLoopback(server: Server, port = 0): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Closes the server and every open connection (keep-alive sockets included). */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}

export async function readRaw(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export function send(res: ServerResponse, answer: Answer): void {
  res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', ...answer.headers });
  res.end(JSON.stringify(answer.body));
}

/** Form-encoded clients send these as JSON strings; handlers and the call log see the decoded value. */
const JSON_FIELDS = ['blocks', 'attachments', 'files', 'metadata', 'view', 'chunks'];

/**
 * A Web API call's arguments from the query string and the body (form, JSON or multipart), JSON-string
 * fields decoded. Undefined when a JSON body does not parse.
 */
export async function readArgs(req: IncomingMessage, url: URL): Promise<Record<string, unknown> | undefined> {
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

export function parseJsonObject(text: string): Record<string, unknown> | undefined {
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
