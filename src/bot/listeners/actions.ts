import type { App } from '@slack/bolt';
import { FORGET_ACTIONS, GATE_ACTIONS } from '../views/render.js';
import { deliverEvent, type ListenerDeps } from './deliver-event.js';
import { blockActionSchema, forgetButtonValueSchema, gateButtonValueSchema } from './slack-payloads.js';

/** Approve/Reject clicks. Who may decide is checked by the orchestrator against the clicker's user id. */
export function registerActionListeners(app: App, deps: ListenerDeps): void {
  const pattern = new RegExp(`^(${GATE_ACTIONS.approve}|${GATE_ACTIONS.reject})$`);
  app.action(pattern, async ({ ack, body }) => {
    await ack();
    const payload = blockActionSchema.safeParse(body);
    const action = payload.success ? payload.data.actions[0] : undefined;
    const target = gateButtonValueSchema.safeParse(parseJson(action?.value));
    if (!payload.success || !action || !target.success) {
      deps.logger.warn('ignoring malformed gate click');
      return;
    }
    const userId = payload.data.user.id;
    const verdict = action.action_id === GATE_ACTIONS.approve ? 'approve' : 'reject';
    await deliverEvent(deps, {
      type: 'gate_decision',
      eventId: `gate.${target.data.projectId}.${target.data.stageId}.${userId}.${action.action_ts ?? Date.now()}`,
      projectId: target.data.projectId,
      stageId: target.data.stageId,
      verdict,
      userId,
    });
  });

  const forgetPattern = new RegExp(`^(${FORGET_ACTIONS.forget}|${FORGET_ACTIONS.keep})$`);
  app.action(forgetPattern, async ({ ack, body }) => {
    await ack();
    const payload = blockActionSchema.safeParse(body);
    const action = payload.success ? payload.data.actions[0] : undefined;
    const target = forgetButtonValueSchema.safeParse(parseJson(action?.value));
    if (!payload.success || !action || !target.success) {
      deps.logger.warn('ignoring malformed forget click');
      return;
    }
    const userId = payload.data.user.id;
    await deliverEvent(deps, {
      type: 'forget_decision',
      eventId: `forget.${target.data.projectId}.${target.data.confirmKey}.${userId}.${action.action_ts ?? Date.now()}`,
      projectId: target.data.projectId,
      confirmKey: target.data.confirmKey,
      verdict: action.action_id === FORGET_ACTIONS.forget ? 'forget' : 'keep',
      userId,
    });
  });
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
