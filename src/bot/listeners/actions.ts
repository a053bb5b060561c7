import type { App, RespondFn } from '@slack/bolt';
import type { z } from 'zod';
import type { OrchestratorEvent } from '../../domain/events.js';
import {
  budgetButtonSchema,
  eventIds,
  forgetButtonSchema,
  gateButtonSchema,
  parseButtonValue,
} from '../../domain/ids.js';
import { BUDGET_ACTIONS } from '../views/budget.js';
import { FORGET_ACTIONS } from '../views/forget.js';
import { GATE_ACTIONS } from '../views/gate.js';
import { markText } from '../views/offline.js';
import { APPROVER_GROUP_UNAVAILABLE_TEXT, approverGroupFact } from './approver-check.js';
import { deliverEvent, type ListenerDeps } from './deliver-event.js';
import { type BlockAction, blockActionSchema } from './slack-payloads.js';

/** What the clicker reads when their click could not be recorded: nothing happened, and what to do. */
export const CLICK_NOT_RECORDED_TEXT =
  'I could not record your click (my storage is not answering right now), so nothing changed. Please try again in a minute.';

/**
 * Approve/Reject, Forget/Keep and Raise budget/Stop clicks. Who may decide is checked by the orchestrator from the facts put
 * in the event: the clicker, their own team (`user.team_id`: another organisation's in a shared channel),
 * whether they are a guest, and the thread of the message that carried the button.
 */
export function registerActionListeners(app: App, deps: ListenerDeps): void {
  // Reject asks for a reason in a modal first: listeners/reject-modal.ts.
  onClick(
    app,
    deps,
    { approve: GATE_ACTIONS.approve },
    gateButtonSchema,
    (target, actionId, p, clicker) => ({
      type: 'gate_decision',
      eventId: clickId('gate', target.projectId, p),
      projectId: target.projectId,
      stageId: target.stageId,
      attempt: target.attempt,
      gateRound: target.gateRound,
      verdict: actionId === GATE_ACTIONS.approve ? 'approve' : 'reject',
      ...clicker,
      origin: originOf(p),
    }),
    gateFacts,
  );
  onClick(
    app,
    deps,
    FORGET_ACTIONS,
    forgetButtonSchema,
    (target, actionId, p, clicker) => ({
      type: 'forget_decision',
      eventId: clickId('forget', target.projectId, p),
      projectId: target.projectId,
      confirmKey: target.confirmKey,
      verdict: actionId === FORGET_ACTIONS.forget ? 'forget' : 'keep',
      ...clicker,
      origin: originOf(p),
    }),
    gateFacts,
  );
  onClick(
    app,
    deps,
    BUDGET_ACTIONS,
    budgetButtonSchema,
    (target, actionId, p, clicker) => ({
      type: 'budget_decision',
      eventId: clickId('budget', target.projectId, p),
      projectId: target.projectId,
      round: target.round,
      verdict: actionId === BUDGET_ACTIONS.raise ? 'raise' : 'stop',
      ...clicker,
      origin: originOf(p),
    }),
    gateFacts,
  );
}

export type Clicker = Awaited<ReturnType<typeof clickerOf>>;

/** What a click needs looked up beyond the clicker, or a refusal when it could not be (nothing changes). */
type ExtraFacts = (
  deps: ListenerDeps,
  client: Parameters<ListenerDeps['directory']['user']>[0],
  payload: BlockAction,
) => Promise<Record<string, unknown> | { refusal: string }>;

/** A gate, budget or forget click: whether the clicker is in APPROVER_GROUP, when one is configured. */
const gateFacts: ExtraFacts = async (deps, client, p) => {
  const fact = await approverGroupFact(deps.approvers, client, originOf(p).teamId, p.user.id);
  return fact === 'unavailable' ? { refusal: APPROVER_GROUP_UNAVAILABLE_TEXT } : fact;
};

/**
 * One kind of button (its action ids and value schema): ack, read the value back, establish who clicked,
 * and hand the click to the orchestrator as the event `toEvent` builds.
 */
function onClick<T>(
  app: App,
  deps: ListenerDeps,
  actions: Record<string, string>,
  valueSchema: z.ZodType<T>,
  toEvent: (target: T, actionId: string, payload: BlockAction, clicker: Clicker) => OrchestratorEvent,
  extraFacts?: ExtraFacts,
): void {
  const pattern = new RegExp(`^(${Object.values(actions).join('|')})$`);
  app.action(pattern, async ({ ack, body, client, respond }) => {
    await ack();
    const payload = blockActionSchema.safeParse(body);
    const action = payload.success ? payload.data.actions[0] : undefined;
    const target = parseButtonValue(valueSchema, action?.value);
    if (!payload.success || !action || target === undefined) {
      deps.logger.warn({ actionId: action?.action_id }, 'ignoring malformed click');
      return;
    }
    const clicker = await clickerOf(deps, client, payload.data);
    const extra = extraFacts ? await extraFacts(deps, client, payload.data) : {};
    if ('refusal' in extra) {
      tellClicker(deps, respond, String(extra.refusal));
      return;
    }
    await deliverClick(deps, respond, {
      ...toEvent(target, action.action_id, payload.data, clicker),
      ...extra,
    } as OrchestratorEvent);
  });
}

/** Unique per click (Slack's action_ts), so two people's clicks are two events. */
export function clickId(kind: 'gate' | 'forget' | 'budget', projectId: string, p: BlockAction): string {
  return eventIds.click(kind, projectId, p.user.id, p.actions[0]?.action_ts ?? String(Date.now()));
}

/** The clicker as the orchestrator needs them: user, own team, member or guest (unknown if Slack did not say). */
export function clickerOf(
  deps: ListenerDeps,
  client: Parameters<ListenerDeps['directory']['user']>[0],
  p: BlockAction,
) {
  return actorOf(deps, client, originOf(p).teamId, p.user);
}

/** Who acted (a click, a modal submitted), looked up as seen from the installing workspace `teamId`. */
export async function actorOf(
  deps: ListenerDeps,
  client: Parameters<ListenerDeps['directory']['user']>[0],
  teamId: string,
  user: { id: string; team_id?: string | undefined },
): Promise<{ userId: string; userTeamId?: string; userKind: 'member' | 'guest' | 'unknown' }> {
  const facts = await deps.directory.user(client, teamId, user.id);
  const userTeamId = user.team_id ?? facts?.teamId;
  return { userId: user.id, ...(userTeamId ? { userTeamId } : {}), userKind: facts?.kind ?? 'unknown' };
}

/**
 * The click is already acked (Slack wants that within 3 s). If it cannot be recorded, the clicker is told
 * through the click's response_url, which needs no Redis, and nothing else happens.
 */
export async function deliverClick(
  deps: ListenerDeps,
  respond: RespondFn | undefined,
  event: OrchestratorEvent,
) {
  try {
    await deliverEvent(deps, event);
  } catch {
    tellClicker(deps, respond, CLICK_NOT_RECORDED_TEXT);
  }
}

/** Says something to the clicker alone through the click's response_url, which needs no Redis. */
function tellClicker(deps: ListenerDeps, respond: RespondFn | undefined, text: string): void {
  if (!respond) return;
  // Not awaited: the ack's HTTP answer must not wait on Slack's response_url.
  respond({ response_type: 'ephemeral', replace_original: false, text: markText(text, deps.render) }).catch(
    (err: unknown) => deps.logger.warn({ err }, 'could not tell the clicker'),
  );
}

/**
 * The thread of the message that carried the button. Its team is the payload's `team`: the workspace of
 * the app that posted the message (the installation), not the clicker's (`user.team_id`).
 */
export function originOf(p: BlockAction): {
  teamId: string;
  channelId: string;
  threadTs: string;
  messageTs?: string;
} {
  const messageTs = p.container?.message_ts ?? p.message?.ts;
  return {
    teamId: p.team?.id ?? '',
    channelId: p.channel?.id ?? p.container?.channel_id ?? '',
    threadTs:
      p.message?.thread_ts ?? p.container?.thread_ts ?? p.message?.ts ?? p.container?.message_ts ?? '',
    ...(messageTs ? { messageTs } : {}),
  };
}
