import type { App, RespondFn } from '@slack/bolt';
import type { OrchestratorEvent } from '../../orchestrator/events.js';
import { eventIds, forgetButtonSchema, gateButtonSchema, parseButtonValue } from '../../orchestrator/ids.js';
import { FORGET_ACTIONS, GATE_ACTIONS } from '../views/render.js';
import { deliverEvent, type ListenerDeps } from './deliver-event.js';
import { type BlockAction, blockActionSchema } from './slack-payloads.js';

/** What the clicker reads when their click could not be recorded: nothing happened, and what to do. */
export const CLICK_NOT_RECORDED_TEXT =
  'I could not record your click (my storage is not answering right now), so nothing changed. Please try again in a minute.';

/**
 * Approve/Reject and Forget/Keep clicks. Who may decide is checked by the orchestrator from the facts put
 * in the event: the clicker, their own team (`user.team_id`: another organisation's in a shared channel),
 * whether they are a guest, and the thread of the message that carried the button.
 */
export function registerActionListeners(app: App, deps: ListenerDeps): void {
  const pattern = new RegExp(`^(${GATE_ACTIONS.approve}|${GATE_ACTIONS.reject})$`);
  app.action(pattern, async ({ ack, body, client, respond }) => {
    await ack();
    const payload = blockActionSchema.safeParse(body);
    const action = payload.success ? payload.data.actions[0] : undefined;
    const target = parseButtonValue(gateButtonSchema, action?.value);
    if (!payload.success || !action || !target) {
      deps.logger.warn('ignoring malformed gate click');
      return;
    }
    const p = payload.data;
    const clicker = await clickerOf(deps, client, p);
    await deliverClick(deps, respond, {
      type: 'gate_decision',
      eventId: eventIds.click('gate', target.projectId, p.user.id, action.action_ts ?? String(Date.now())),
      projectId: target.projectId,
      stageId: target.stageId,
      attempt: target.attempt,
      gateRound: target.gateRound,
      verdict: action.action_id === GATE_ACTIONS.approve ? 'approve' : 'reject',
      ...clicker,
      origin: originOf(p),
    });
  });

  const forgetPattern = new RegExp(`^(${FORGET_ACTIONS.forget}|${FORGET_ACTIONS.keep})$`);
  app.action(forgetPattern, async ({ ack, body, client, respond }) => {
    await ack();
    const payload = blockActionSchema.safeParse(body);
    const action = payload.success ? payload.data.actions[0] : undefined;
    const target = parseButtonValue(forgetButtonSchema, action?.value);
    if (!payload.success || !action || !target) {
      deps.logger.warn('ignoring malformed forget click');
      return;
    }
    const p = payload.data;
    const clicker = await clickerOf(deps, client, p);
    await deliverClick(deps, respond, {
      type: 'forget_decision',
      eventId: eventIds.click('forget', target.projectId, p.user.id, action.action_ts ?? String(Date.now())),
      projectId: target.projectId,
      confirmKey: target.confirmKey,
      verdict: action.action_id === FORGET_ACTIONS.forget ? 'forget' : 'keep',
      ...clicker,
      origin: originOf(p),
    });
  });
}

/** The clicker as the orchestrator needs them: user, own team, member or guest (unknown if Slack did not say). */
async function clickerOf(
  deps: ListenerDeps,
  client: Parameters<ListenerDeps['directory']['user']>[0],
  p: BlockAction,
): Promise<{ userId: string; userTeamId?: string; userKind: 'member' | 'guest' | 'unknown' }> {
  const facts = await deps.directory.user(client, originOf(p).teamId, p.user.id);
  const userTeamId = p.user.team_id ?? facts?.teamId;
  return { userId: p.user.id, ...(userTeamId ? { userTeamId } : {}), userKind: facts?.kind ?? 'unknown' };
}

/**
 * The click is already acked (Slack wants that within 3 s). If it cannot be recorded, the clicker is told
 * through the click's response_url, which needs no Redis, and nothing else happens.
 */
async function deliverClick(deps: ListenerDeps, respond: RespondFn | undefined, event: OrchestratorEvent) {
  try {
    await deliverEvent(deps, event);
  } catch {
    if (!respond) return;
    // Not awaited: the ack's HTTP answer must not wait on Slack's response_url.
    respond({ response_type: 'ephemeral', replace_original: false, text: CLICK_NOT_RECORDED_TEXT }).catch(
      (err: unknown) => deps.logger.warn({ err, eventId: event.eventId }, 'could not tell the clicker'),
    );
  }
}

/**
 * The thread of the message that carried the button. Its team is the payload's `team`: the workspace of
 * the app that posted the message (the installation), not the clicker's (`user.team_id`).
 */
function originOf(p: BlockAction): { teamId: string; channelId: string; threadTs: string } {
  return {
    teamId: p.team?.id ?? '',
    channelId: p.channel?.id ?? p.container?.channel_id ?? '',
    threadTs:
      p.message?.thread_ts ?? p.container?.thread_ts ?? p.message?.ts ?? p.container?.message_ts ?? '',
  };
}
