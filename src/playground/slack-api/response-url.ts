import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { type ApiContext, arrayOrUndefined } from './context.js';
import { parseJsonObject, readRaw, send } from './http.js';

/**
 * Click response URLs (Slack's hooks.slack.com/actions/…). The URL says which click it answers: the person,
 * the channel, the thread and the message the button was on. What the app posts there is recorded as a call
 * to `response_url`, and carried out as Slack does: an ephemeral for the clicker by default,
 * `response_type: in_channel` a message everyone sees, `replace_original` an edit of the message,
 * `delete_original` its deletion.
 */

/** The click a response URL answers. Without it the URL only records what is posted (tests' plain hook). */
export interface ResponseTarget {
  /** The person who clicked: an ephemeral answer is theirs. */
  user: string;
  channel: string;
  /** The thread the message with the button is in. */
  threadTs?: string;
  /** The message with the button: what `replace_original` edits and `delete_original` deletes. */
  messageTs?: string;
}

const target = z.object({
  user: z.string(),
  channel: z.string(),
  threadTs: z.string().optional(),
  messageTs: z.string().optional(),
});

export const RESPONSE_URL_PATH = /^\/actions\/\w+\/([\w-]+)(?:\/([\w-]+))?$/;

export function responseUrlFor(ctx: ApiContext, label = 'click', to?: ResponseTarget): string {
  const base = `${ctx.origin}/actions/${ctx.identity.teamId}/${label}`;
  return to ? `${base}/${Buffer.from(JSON.stringify(to)).toString('base64url')}` : base;
}

function decodeTarget(encoded: string | undefined): ResponseTarget | undefined {
  if (!encoded) return undefined;
  try {
    const parsed = target.safeParse(JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')));
    return parsed.success ? (parsed.data as ResponseTarget) : undefined;
  } catch {
    return undefined;
  }
}

export async function handleResponseUrl(
  ctx: ApiContext,
  label: string,
  encodedTarget: string | undefined,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const body = parseJsonObject((await readRaw(req)).toString('utf8'));
  const to = decodeTarget(encodedTarget);
  if (body && to) await carryOut(ctx, to, body);
  ctx.record({
    method: 'response_url',
    args: { ...(body ?? {}), label },
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

async function carryOut(ctx: ApiContext, to: ResponseTarget, body: Record<string, unknown>): Promise<void> {
  const { workspace, identity } = ctx;
  const content = {
    text: typeof body.text === 'string' ? body.text : '',
    ...(arrayOrUndefined(body.blocks) && { blocks: arrayOrUndefined(body.blocks) }),
    ...(arrayOrUndefined(body.attachments) && { attachments: arrayOrUndefined(body.attachments) }),
  };
  if (body.delete_original === true || body.delete_original === 'true') {
    if (to.messageTs) await workspace.remove(to.channel, to.messageTs);
    return;
  }
  if ((body.replace_original === true || body.replace_original === 'true') && to.messageTs) {
    await workspace.edit(to.channel, to.messageTs, content, identity.botUserId, { markEdited: false });
    return;
  }
  const placement = {
    channel: to.channel,
    ...(to.threadTs !== undefined && { threadTs: to.threadTs }),
    user: identity.botUserId,
    botId: identity.botId,
    ...content,
  };
  if (body.response_type === 'in_channel') await workspace.post(placement);
  else await workspace.postEphemeral({ ...placement, ephemeralFor: to.user });
}
