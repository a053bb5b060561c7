import { randomBytes } from 'node:crypto';
import { type Answer, fail, invalidArguments, isRecord, ok } from './answers.js';
import { viewErrors } from './block-kit-limits.js';
import { type ApiContext, str } from './context.js';
import { slackView } from './slack-shapes.js';
import type { StoredView } from './store.js';

/**
 * views.publish (the Home tab), views.open / push / update (modals). A trigger_id names the person who
 * clicked: the stand-in mints them (`triggerId(user)`, for the page's and tests' payloads) and refuses any
 * other, as Slack refuses one it never issued.
 */

/** Slack allows three modals on a person's stack. */
const MODAL_STACK_LIMIT = 3;
const TRIGGER = /^\d+\.([UW][A-Z0-9]+)\.[0-9a-f]+$/;

let triggerSeq = 0;

/** A trigger_id for an interaction by `user`, in Slack's `<digits>.<digits-ish>.<hex>` form. */
export function mintTriggerId(user: string): string {
  triggerSeq += 1;
  return `${Date.now()}${triggerSeq}.${user}.${randomBytes(8).toString('hex')}`;
}

function triggerUser(triggerId: unknown): string | undefined {
  return typeof triggerId === 'string' ? TRIGGER.exec(triggerId)?.[1] : undefined;
}

const newHash = () => `${Math.floor(Date.now() / 1000)}.${randomBytes(6).toString('hex')}`;

export async function publishView(ctx: ApiContext, args: Record<string, unknown>): Promise<Answer> {
  const errors = viewErrors(args.view, 'home');
  if (errors.length > 0 || !isRecord(args.view)) return invalidArguments(errors);
  const user = String(args.user_id);
  const id = (await ctx.workspace.homeViewId(user)) ?? (await ctx.workspace.nextViewId());
  const view: StoredView = { id, user, kind: 'home', view: args.view, hash: newHash(), rootViewId: id };
  await ctx.workspace.saveView(view, 'home');
  return ok({ view: slackView(ctx.identity, view) });
}

/** views.open starts a fresh stack; views.push adds to the open one (or starts it). */
export async function openView(
  ctx: ApiContext,
  args: Record<string, unknown>,
  how: 'open' | 'push',
): Promise<Answer> {
  const user = triggerUser(args.trigger_id);
  if (!user) return fail('invalid_trigger_id');
  const errors = viewErrors(args.view, 'modal');
  if (errors.length > 0 || !isRecord(args.view)) return invalidArguments(errors);
  const stack = await ctx.workspace.modalIds(user);
  if (how === 'push' && stack.length >= MODAL_STACK_LIMIT) return fail('push_limit_reached');
  if (how === 'open') for (const open of stack) await ctx.workspace.closeModal(user, open);
  const below = how === 'push' ? stack.at(-1) : undefined;
  const id = await ctx.workspace.nextViewId();
  const view: StoredView = {
    id,
    user,
    kind: 'modal',
    view: args.view,
    hash: newHash(),
    rootViewId: how === 'push' && stack[0] ? stack[0] : id,
    ...(below !== undefined && { previousViewId: below }),
  };
  await ctx.workspace.saveView(view, 'push');
  return ok({ view: slackView(ctx.identity, view) });
}

export async function updateView(ctx: ApiContext, args: Record<string, unknown>): Promise<Answer> {
  const viewId = str(args.view_id);
  const externalId = str(args.external_id);
  if (!viewId && !externalId) return invalidArguments(['missing required field: view_id or external_id']);
  const stored = viewId
    ? await ctx.workspace.view(viewId)
    : await ctx.workspace.viewByExternalId(String(externalId));
  if (!stored) return fail('not_found');
  if (str(args.hash) !== undefined && args.hash !== stored.hash) return fail('hash_conflict');
  const errors = viewErrors(args.view, stored.kind);
  if (errors.length > 0 || !isRecord(args.view)) return invalidArguments(errors);
  const updated: StoredView = { ...stored, view: args.view, hash: newHash() };
  await ctx.workspace.saveView(updated, 'replace');
  return ok({ view: slackView(ctx.identity, updated) });
}
