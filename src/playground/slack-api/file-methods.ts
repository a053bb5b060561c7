import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Answer, fail, isRecord, ok } from './answers.js';
import { type ApiContext, str } from './context.js';
import { readRaw } from './http.js';
import { fileTypes, slackFile } from './slack-shapes.js';
import type { WorkspaceFile } from './workspace.js';

/**
 * Files the Slack way: files.getUploadURLExternal hands out an upload URL on the stand-in, the client posts
 * the bytes there, files.completeUploadExternal makes the file (and, with `channel_id`, shares it as one bot
 * message, in `thread_ts` when given). Every file is downloadable at its `url_private_download` with the bot
 * token; anyone else gets Slack's sign-in page.
 */

export async function getUploadUrl(ctx: ApiContext, args: Record<string, unknown>): Promise<Answer> {
  const fileId = await ctx.workspace.nextFileId();
  await ctx.workspace.beginUpload(fileId, { filename: String(args.filename), length: Number(args.length) });
  return ok({ upload_url: `${ctx.origin}/upload/${fileId}`, file_id: fileId });
}

export async function completeUpload(ctx: ApiContext, args: Record<string, unknown>): Promise<Answer> {
  const files = args.files;
  if (!Array.isArray(files)) {
    return fail('invalid_arguments', {
      response_metadata: { messages: ['[ERROR] files must be a JSON array'] },
    });
  }
  const completed: WorkspaceFile[] = [];
  for (const file of files) {
    const id = isRecord(file) ? str(file.id) : undefined;
    const upload = id ? await ctx.workspace.pendingUpload(id) : undefined;
    if (!isRecord(file) || !id || upload === undefined) return fail('file_not_found');
    const bytes = await ctx.workspace.uploadedBytes(id);
    completed.push({
      id,
      name: upload.filename,
      title: str(file.title) ?? upload.filename,
      ...fileTypes(upload.filename),
      size: bytes ?? upload.length,
      user: ctx.identity.botUserId,
    });
  }
  for (const file of completed) await ctx.workspace.completeFile(file);
  const channel = str(args.channel_id);
  if (channel) {
    const threadTs = str(args.thread_ts);
    await ctx.workspace.post({
      channel,
      ...(threadTs !== undefined && { threadTs }),
      user: ctx.identity.botUserId,
      botId: ctx.identity.botId,
      text: typeof args.initial_comment === 'string' ? args.initial_comment : '',
      files: completed,
    });
  }
  return ok({ files: completed.map((f) => slackFile(ctx, f)) });
}

/** The upload URL: takes the bytes (raw or multipart, as the WebClient sends them) and answers like Slack. */
export async function handleUpload(
  ctx: ApiContext,
  fileId: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const file = await uploadedContent(await readRaw(req), req.headers['content-type']);
  const known = (await ctx.workspace.pendingUpload(fileId)) !== undefined;
  if (known) await ctx.workspace.storeBytes(fileId, file);
  const reply = `OK - ${file.length}`;
  ctx.record({
    method: 'upload',
    args: { file_id: fileId, bytes: file.length, content: file.toString('utf8') },
    response: { body: reply },
    status: 200,
    token: undefined,
  });
  res.writeHead(200, { 'content-type': 'text/plain' }).end(reply);
}

/** The WebClient posts the file as multipart/form-data: keep the file itself, not the envelope around it. */
async function uploadedContent(raw: Buffer, contentType: string | undefined): Promise<Buffer> {
  if (!contentType?.startsWith('multipart/form-data')) return raw;
  const form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
  for (const value of form.values()) {
    if (typeof value !== 'string') return Buffer.from(await value.arrayBuffer());
  }
  const first = form.values().next().value;
  return Buffer.from(typeof first === 'string' ? first : '');
}

/**
 * A file a person shared (a test's, or the page's upload): stored like any other and described as events
 * carry it (`files[]` of a `file_share` message). The id is made here so the answer can be given at once;
 * the write is queued on the same Redis connection, ahead of any later download's read.
 */
export function hostFile(
  ctx: ApiContext,
  name: string,
  content: string | Buffer,
  opts: { mimetype?: string; filetype?: string; user?: string } = {},
): Record<string, unknown> {
  const id = `F${randomBytes(5).toString('hex').toUpperCase()}`;
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const file: WorkspaceFile = {
    id,
    name,
    title: name,
    mimetype: opts.mimetype ?? 'text/plain',
    filetype: opts.filetype ?? 'text',
    size: bytes.length,
    user: opts.user ?? 'UUPLOADER',
  };
  ctx.workspace.completeFile(file, bytes).catch(() => {
    // Redis gone (the stand-in is closing): the download answers 404, which is what a test would see.
  });
  return slackFile(ctx, file);
}

/** Slack answers a download without the right token with its sign-in page (200, HTML), not an error. */
export async function handleFileDownload(
  ctx: ApiContext,
  fileId: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const token = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
  const stored = await ctx.workspace.file(fileId);
  const authorised = token === ctx.identity.botToken;
  ctx.record({
    method: 'file_download',
    args: { file_id: fileId },
    response: { ok: authorised && stored !== undefined },
    status: stored ? 200 : 404,
    token,
  });
  if (!stored) {
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
    .writeHead(200, { 'content-type': stored.file.mimetype, 'content-length': stored.content.length })
    .end(stored.content);
}
