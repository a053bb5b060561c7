import { type App, type RespondFn, webApi } from '@slack/bolt';
import { z } from 'zod';
import { REASON_MAX_CHARS } from '../../domain/audit.js';
import type { ApproverRules } from '../../domain/authority.js';
import type { OrchestratorEvent } from '../../domain/events.js';
import { mayDecideGate } from '../../domain/gate-check.js';
import {
  eventIds,
  type GateButton,
  gateButtonSchema,
  parseButtonValue,
  rejectModalMetadataSchema,
} from '../../domain/ids.js';
import type { ProjectStore } from '../../memory/project-store.js';
import type { SlackSettings } from '../settings.js';
import { GATE_ACTIONS } from '../views/gate.js';
import { markText } from '../views/offline.js';
import { REJECT_MODAL, rejectModal } from '../views/reject-modal.js';
import {
  actorOf,
  CLICK_NOT_RECORDED_TEXT,
  type Clicker,
  clickerOf,
  clickId,
  deliverClick,
  originOf,
} from './actions.js';
import { APPROVER_GROUP_UNAVAILABLE_TEXT, approverGroupFact } from './approver-check.js';
import { deliverEvent, type ListenerDeps } from './deliver-event.js';
import { blockActionSchema } from './slack-payloads.js';

/** What the rejecter reads when Slack would not open the form: the rejection stands, without a reason. */
export const REJECTED_WITHOUT_REASON_TEXT =
  'Slack did not let me open the form for your reason in time, so I recorded your rejection without one. Say why in the thread if you like.';

/** Modal errors, shown under the reason field (plain text: Slack does not format them). */
export const REJECT_MODAL_ERRORS = {
  empty: 'Say why you reject it: the thread shows your reason.',
  tooLong: `Keep it under ${REASON_MAX_CHARS} characters.`,
  notYours:
    'This form does not match an approval request you opened, so nothing was recorded. Close it and click Reject on the request in the thread.',
  notRecorded:
    'I could not record your rejection (my storage is not answering right now), so nothing changed. Try again in a minute.',
} as const;

export interface RejectModalDeps extends ListenerDeps {
  projects: Pick<ProjectStore, 'get'>;
  /** APPROVER_IDS, as the orchestrator is given them. */
  approverIds: readonly string[];
  /** Where views.open goes: the app's token and API URL. */
  slack: Pick<SlackSettings, 'botToken' | 'apiUrl'>;
}

/**
 * Reject asks why before it is recorded. A click the orchestrator would accept now opens a modal with
 * the click's trigger_id, here in the listener (it expires 3 s after the click: the outbox is too late).
 * Any other click goes to the orchestrator as an Approve does, which refuses it in its usual words (the
 * orchestrator stays the one authority: a click this check lets through is checked there again). When
 * the modal cannot be opened, the rejection is recorded without a reason and the rejecter is told.
 */
export function registerRejectListeners(app: App, deps: RejectModalDeps): void {
  // A trigger id is good for 3 s: views.open gets one try and a short timeout, never Bolt's retries.
  const views = new webApi.WebClient(deps.slack.botToken, {
    ...(deps.slack.apiUrl ? { slackApiUrl: deps.slack.apiUrl } : {}),
    timeout: 2_500,
    retryConfig: { retries: 0 },
  });

  app.action(GATE_ACTIONS.reject, async ({ ack, body, client, respond }) => {
    await ack();
    const payload = blockActionSchema.safeParse(body);
    const action = payload.success ? payload.data.actions[0] : undefined;
    const gate = parseButtonValue(gateButtonSchema, action?.value);
    if (!payload.success || !action || gate === undefined) {
      deps.logger.warn({ actionId: action?.action_id }, 'ignoring malformed click');
      return;
    }
    const p = payload.data;
    const origin = originOf(p);
    const groupFact = await approverGroupFact(deps.approvers, client, origin.teamId, p.user.id);
    if (groupFact === 'unavailable') {
      tell(deps, respond, APPROVER_GROUP_UNAVAILABLE_TEXT);
      return;
    }
    const clicker = { ...(await clickerOf(deps, client, p)), ...groupFact };
    const click = rejection(gate, clickId('gate', gate.projectId, p), clicker, origin);
    let project: Awaited<ReturnType<RejectModalDeps['projects']['get']>>;
    try {
      project = await deps.projects.get(gate.projectId);
    } catch (err) {
      deps.logger.error({ err, projectId: gate.projectId }, 'could not read the project of a Reject click');
      tell(deps, respond, CLICK_NOT_RECORDED_TEXT);
      return;
    }
    if (!mayDecideGate(project, gate, origin, clicker, deps.approverIds, rulesOf(deps)).allowed) {
      await deliverClick(deps, respond, click);
      return;
    }
    const triggerId = (body as { trigger_id?: unknown }).trigger_id;
    try {
      await views.views.open({
        trigger_id: typeof triggerId === 'string' ? triggerId : '',
        view: rejectModal({ gate, origin, userId: clicker.userId }),
      });
    } catch (err) {
      deps.logger.warn(
        { err, projectId: gate.projectId, stageId: gate.stageId },
        'could not open the Reject modal; rejecting without a reason',
      );
      try {
        await deliverEvent(deps, click);
      } catch {
        tell(deps, respond, CLICK_NOT_RECORDED_TEXT);
        return;
      }
      tell(deps, respond, REJECTED_WITHOUT_REASON_TEXT);
    }
  });

  app.view(REJECT_MODAL.callback, async ({ ack, body, client }) => {
    const errors = (message: string) =>
      ack({ response_action: 'errors', errors: { [REJECT_MODAL.reasonBlock]: message } });
    const submission = viewSubmissionSchema.safeParse(body);
    if (!submission.success) {
      deps.logger.warn('ignoring a malformed Reject modal submission');
      await errors(REJECT_MODAL_ERRORS.notYours);
      return;
    }
    const { user, team, view } = submission.data;
    const reason = (
      view.state.values[REJECT_MODAL.reasonBlock]?.[REJECT_MODAL.reasonAction]?.value ?? ''
    ).trim();
    if (reason === '') return void (await errors(REJECT_MODAL_ERRORS.empty));
    if (reason.length > REASON_MAX_CHARS) return void (await errors(REJECT_MODAL_ERRORS.tooLong));
    const meta = parseButtonValue(rejectModalMetadataSchema, view.private_metadata);
    // The form must be the one this person opened from a button of this workspace; then the gate must still
    // be theirs to decide (it may have been decided, or reopened, while the form was open).
    if (!meta || meta.userId !== user.id || (team?.id !== undefined && team.id !== meta.origin.teamId)) {
      deps.logger.warn({ userId: user.id, viewId: view.id }, 'Reject modal with metadata not its own');
      return void (await errors(REJECT_MODAL_ERRORS.notYours));
    }
    const groupFact = await approverGroupFact(deps.approvers, client, meta.origin.teamId, user.id);
    if (groupFact === 'unavailable') return void (await errors(APPROVER_GROUP_UNAVAILABLE_TEXT));
    const actor = { ...(await actorOf(deps, client, meta.origin.teamId, user)), ...groupFact };
    let permission: ReturnType<typeof mayDecideGate>;
    try {
      const project = await deps.projects.get(meta.gate.projectId);
      permission = mayDecideGate(project, meta.gate, meta.origin, actor, deps.approverIds, rulesOf(deps));
    } catch (err) {
      deps.logger.error({ err, projectId: meta.gate.projectId }, 'could not read the project of a Reject');
      return void (await errors(REJECT_MODAL_ERRORS.notRecorded));
    }
    if (!permission.allowed) return void (await errors(plainText(permission.refusal)));
    // The view id makes the event id: the same form submitted twice is one rejection.
    const event = {
      ...rejection(
        meta.gate,
        eventIds.click('gate', meta.gate.projectId, user.id, view.id),
        actor,
        meta.origin,
      ),
      reason,
    };
    try {
      // Recorded before the ack, as every event is (app.ts): if Redis is away the form stays open and says so.
      await deliverEvent(deps, event);
    } catch {
      return void (await errors(REJECT_MODAL_ERRORS.notRecorded));
    }
    await ack();
  });
}

/** The approver rules the orchestrator applies (APPROVER_GROUP), so the modal opens for the same people. */
function rulesOf(deps: RejectModalDeps): ApproverRules {
  return deps.approvers?.groupId ? { groupId: deps.approvers.groupId } : {};
}

function rejection(
  gate: GateButton,
  eventId: string,
  actor: Clicker,
  origin: Extract<OrchestratorEvent, { type: 'gate_decision' }>['origin'],
): Extract<OrchestratorEvent, { type: 'gate_decision' }> {
  return {
    type: 'gate_decision',
    eventId,
    projectId: gate.projectId,
    stageId: gate.stageId,
    attempt: gate.attempt,
    gateRound: gate.gateRound,
    verdict: 'reject',
    ...actor,
    origin,
  };
}

/** Says something to the clicker alone, through the click's response_url (needs no Redis); not awaited. */
function tell(deps: ListenerDeps, respond: RespondFn | undefined, text: string): void {
  respond?.({ response_type: 'ephemeral', replace_original: false, text: markText(text, deps.render) }).catch(
    (err: unknown) => deps.logger.warn({ err }, 'could not tell the clicker'),
  );
}

/** A refusal of ours in a modal's error text, which Slack shows as plain text: mentions read as ids. */
function plainText(mrkdwn: string): string {
  return mrkdwn.replace(/<@([A-Z0-9]+)>/g, '@$1').replace(/`/g, '');
}

/** The fields of a view_submission we read. */
const viewSubmissionSchema = z.object({
  user: z.object({ id: z.string().min(1), team_id: z.string().optional() }),
  team: z.object({ id: z.string() }).nullish(),
  view: z.object({
    id: z.string().min(1),
    private_metadata: z.string().max(3000).optional(),
    state: z.object({
      values: z.record(
        z.string(),
        z.record(z.string(), z.object({ value: z.string().nullish() }).passthrough()),
      ),
    }),
  }),
});
