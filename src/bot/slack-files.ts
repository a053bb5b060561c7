import type { Logger } from 'pino';
import type { Attachment } from '../domain/events.js';

/**
 * Files that come with a message (`files[]` of a `file_share` message or a mention): every file is named
 * in the event; small text files are read in, with the bot token, from `url_private_download`. Reading is
 * bounded in size and time so the listener still acks within Slack's 3 s; a file that cannot be read in
 * time, is too big, is not text, or is not Slack's to serve is kept by name only.
 */

/** Text files up to this size are read into the request (100 kB). */
export const MAX_TEXT_FILE_BYTES = 100_000;
/** All files of one message are read within this time. */
export const FILE_READ_TIMEOUT_MS = 1_000;
/** The event schema takes at most 10 attachments. */
export const MAX_ATTACHMENTS = 10;

/** The fields of a Slack file object we read. */
export interface SlackFile {
  id?: string | undefined;
  name?: string | undefined;
  title?: string | undefined;
  mimetype?: string | undefined;
  filetype?: string | undefined;
  mode?: string | undefined;
  size?: number | undefined;
  url_private_download?: string | undefined;
}

const TEXT_MIMETYPES = new Set([
  'application/json',
  'application/xml',
  'application/yaml',
  'application/x-yaml',
  'application/javascript',
  'application/typescript',
  'application/sql',
  'application/x-sh',
  'application/csv',
]);

/** Whether a file is worth reading in: text, small enough, and a file Slack hosts (not a tombstone or a link). */
export function isReadableText(file: SlackFile, maxBytes = MAX_TEXT_FILE_BYTES): boolean {
  const mimetype = (file.mimetype ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const text = mimetype.startsWith('text/') || TEXT_MIMETYPES.has(mimetype) || file.mode === 'snippet';
  const hosted = file.mode === undefined || file.mode === 'hosted' || file.mode === 'snippet';
  return (
    text && hosted && typeof file.size === 'number' && file.size <= maxBytes && !!file.url_private_download
  );
}

/**
 * Whether the bot token may be sent to `url`: only to Slack's own hosts, i.e. the Web API's host or a
 * subdomain of it (files.slack.com for slack.com; the stand-in's host in tests), over the same scheme.
 */
export function mayCarryToken(url: string, apiUrl: string): boolean {
  try {
    const target = new URL(url);
    const api = new URL(apiUrl);
    const apiHost = api.hostname.replace(/^api\./, '');
    return (
      target.protocol === api.protocol &&
      (target.hostname === apiHost || target.hostname.endsWith(`.${apiHost}`))
    );
  } catch {
    return false;
  }
}

export interface ReadFilesOptions {
  botToken: string | undefined;
  /** The Web API base URL (`client.slackApiUrl`): which hosts are Slack's. */
  apiUrl: string;
  logger: Logger;
  timeoutMs?: number;
  maxBytes?: number;
}

/** The message's files as attachments: each named, text ones read in where that worked in time. */
export async function readAttachments(
  files: readonly SlackFile[] | undefined,
  opts: ReadFilesOptions,
): Promise<Attachment[] | undefined> {
  if (!files || files.length === 0) return undefined;
  const maxBytes = opts.maxBytes ?? MAX_TEXT_FILE_BYTES;
  const deadline = AbortSignal.timeout(opts.timeoutMs ?? FILE_READ_TIMEOUT_MS);
  const chosen = files.slice(0, MAX_ATTACHMENTS);
  return Promise.all(
    chosen.map(async (file): Promise<Attachment> => {
      const name = (file.name || file.title || file.id || 'unnamed file').slice(0, 255);
      if (!isReadableText(file, maxBytes) || !opts.botToken) return { name };
      const url = file.url_private_download ?? '';
      if (!mayCarryToken(url, opts.apiUrl)) {
        opts.logger.warn({ file: file.id }, 'file not read: its download URL is not a Slack host');
        return { name };
      }
      try {
        const content = await download(url, opts.botToken, maxBytes, deadline);
        return { name, content };
      } catch (err) {
        opts.logger.warn({ err, file: file.id }, 'file not read; keeping its name only');
        return { name };
      }
    }),
  );
}

async function download(url: string, token: string, maxBytes: number, signal: AbortSignal): Promise<string> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, redirect: 'manual', signal });
  if (res.status !== 200) throw new Error(`download answered HTTP ${res.status}`);
  // Without the right token or scope Slack answers its sign-in page, with a 200.
  if ((res.headers.get('content-type') ?? '').includes('text/html'))
    throw new Error('download answered a web page');
  const bytes = new Uint8Array(await readAtMost(res, maxBytes));
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}

async function readAtMost(res: Response, maxBytes: number): Promise<ArrayBuffer> {
  const reader = res.body?.getReader();
  if (!reader) return new ArrayBuffer(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new Error(`file is larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out.buffer;
}
