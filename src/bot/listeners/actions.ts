import type { App } from '@slack/bolt';
import {
  budgetButtonSchema,
  eventIds,
  forgetButtonSchema,
  gateButtonSchema,
  parseButtonValue,
} from '../../orchestrator/ids.js';
import { BUDGET_ACTIONS, FORGET_ACTIONS, GATE_ACTIONS } from '../views/render.js';
import { deliverEvent, type ListenerDeps } from './deliver-event.js';
import { blockActionSchema } from './slack-payloads.js';

/** Approve/Reject clicks. Who may decide is checked by the orchestrator against the clicker's user id. */
export function registerActionListeners(app: App, deps: ListenerDeps): void {
  const pattern = new RegExp(`^(${GATE_ACTIONS.approve}|${GATE_ACTIONS.reject})$`);
  app.action(pattern, async ({ ack, body }) => {
    await ack();
    const payload = blockActionSchema.safeParse(body);
    const action = payload.success ? payload.data.actions[0] : undefined;
    const target = parseButtonValue(gateButtonSchema, action?.value);
    if (!payload.success || !action || !target) {
      deps.logger.warn('ignoring malformed gate click');
      return;
    }
    const p = payload.data;
    await deliverEvent(deps, {
      type: 'gate_decision',
      eventId: eventIds.click('gate', target.projectId, p.user.id, action.action_ts ?? String(Date.now())),
      projectId: target.projectId,
      stageId: target.stageId,
      attempt: target.attempt,
      gateRound: target.gateRound,
      verdict: action.action_id === GATE_ACTIONS.approve ? 'approve' : 'reject',
      userId: p.user.id,
      ...(p.user.team_id ? { userTeamId: p.user.team_id } : {}),
      origin: originOf(p),
    });
  });

  const budgetPattern = new RegExp(`^(${BUDGET_ACTIONS.raise}|${BUDGET_ACTIONS.stop})$`);
  app.action(budgetPattern, async ({ ack, body }) => {
    await ack();
    const payload = blockActionSchema.safeParse(body);
    const action = payload.success ? payload.data.actions[0] : undefined;
    const target = parseButtonValue(budgetButtonSchema, action?.value);
    if (!payload.success || !action || !target) {
      deps.logger.warn('ignoring malformed budget click');
      return;
    }
    const p = payload.data;
    await deliverEvent(deps, {
      type: 'budget_decision',
      eventId: eventIds.click('budget', target.projectId, p.user.id, action.action_ts ?? String(Date.now())),
      projectId: target.projectId,
      round: target.round,
      verdict: action.action_id === BUDGET_ACTIONS.raise ? 'raise' : 'stop',
      userId: p.user.id,
      ...(p.user.team_id ? { userTeamId: p.user.team_id } : {}),
      origin: originOf(p),
    });
  });

  const forgetPattern = new RegExp(`^(${FORGET_ACTIONS.forget}|${FORGET_ACTIONS.keep})$`);
  app.action(forgetPattern, async ({ ack, body }) => {
    await ack();
    const payload = blockActionSchema.safeParse(body);
    const action = payload.success ? payload.data.actions[0] : undefined;
    const target = parseButtonValue(forgetButtonSchema, action?.value);
    if (!payload.success || !action || !target) {
      deps.logger.warn('ignoring malformed forget click');
      return;
    }
    const p = payload.data;
    await deliverEvent(deps, {
      type: 'forget_decision',
      eventId: eventIds.click('forget', target.projectId, p.user.id, action.action_ts ?? String(Date.now())),
      projectId: target.projectId,
      confirmKey: target.confirmKey,
      verdict: action.action_id === FORGET_ACTIONS.forget ? 'forget' : 'keep',
      userId: p.user.id,
      ...(p.user.team_id ? { userTeamId: p.user.team_id } : {}),
      origin: originOf(p),
    });
  });
}

/** The thread of the message that carried the button. */
function originOf(p: {
  team?: { id: string } | null | undefined;
  channel?: { id: string } | undefined;
  container?: {
    channel_id?: string | undefined;
    thread_ts?: string | undefined;
    message_ts?: string | undefined;
  };
  message?: { ts?: string | undefined; thread_ts?: string | undefined } | undefined;
}): { teamId: string; channelId: string; threadTs: string } {
  return {
    teamId: p.team?.id ?? '',
    channelId: p.channel?.id ?? p.container?.channel_id ?? '',
    threadTs:
      p.message?.thread_ts ?? p.container?.thread_ts ?? p.message?.ts ?? p.container?.message_ts ?? '',
  };
}
