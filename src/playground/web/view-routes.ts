import { z } from 'zod';
import {
  appHomeOpenedEvent,
  eventEnvelope,
  viewBlockActionPayload,
  viewSubmissionPayload,
} from '../slack-events/payloads.js';
import { postSignedAction, postSignedEvent } from '../slack-events/signing.js';
import { BadRequestError, readJsonBody, sendJson } from './http.js';
import {
  deliveryOf,
  guarded,
  type PlaygroundRoute,
  type PlaygroundRouteDeps,
  personIn,
  SLACK_ID,
  VIEW_ID,
} from './route-kit.js';

/** The app's views: opening its Home and Messages tabs, clicks in a view, submitting or closing a modal. */

const closeModalBody = z.object({ user: SLACK_ID, viewId: VIEW_ID });
const openTabBody = z.object({ user: SLACK_ID, tab: z.enum(['home', 'messages']) });
const viewClickBody = z.object({
  user: SLACK_ID,
  viewId: VIEW_ID,
  actionId: z.string().min(1).max(255),
  blockId: z.string().max(255).default(''),
  value: z.string().max(2000).default(''),
  label: z.string().max(75).default(''),
});
const viewSubmitBody = z.object({
  user: SLACK_ID,
  viewId: VIEW_ID,
  values: z.record(z.string().max(255), z.record(z.string().max(255), z.string().max(3000))).default({}),
});
/** What the app may answer a view_submission with; only `errors` keeps the modal open here. */
const submissionAnswer = z.object({
  response_action: z.literal('errors'),
  errors: z.record(z.string(), z.string()),
});

export function viewRoutes(deps: PlaygroundRouteDeps): PlaygroundRoute[] {
  return [
    {
      path: '/playground/open-tab',
      method: ['POST'],
      handler: guarded(deps, async (req, res) => {
        const body = await readJsonBody(req, openTabBody);
        const user = await personIn(deps, body.user);
        const dm = (await deps.workspace.channels()).find((c) => c.isIm && c.dmWith === user.id);
        if (!dm) throw new BadRequestError(`${user.realName} has no DM with the app`);
        const homeId = (await deps.workspace.views(user.id)).homeId;
        const view = body.tab === 'home' && homeId ? await deps.viewAsSent(homeId) : undefined;
        const event = appHomeOpenedEvent({
          user: user.id,
          dmChannel: dm.id,
          tab: body.tab,
          ...(view ? { view } : {}),
        });
        const answer = await postSignedEvent(
          deps.appUrl(),
          deps.signingSecret,
          eventEnvelope(deps.app, event),
        );
        sendJson(res, 200, { ok: true, delivered: deliveryOf([answer]) });
      }),
    },
    {
      path: '/playground/view-click',
      method: ['POST'],
      handler: guarded(deps, async (req, res) => {
        const body = await readJsonBody(req, viewClickBody);
        const user = await personIn(deps, body.user);
        const view = await ownView(deps, user.id, body.viewId);
        const payload = viewBlockActionPayload(deps.app, {
          userId: user.id,
          userName: user.name,
          userTeamId: user.teamId,
          view: view as Parameters<typeof viewBlockActionPayload>[1]['view'],
          actionId: body.actionId,
          blockId: body.blockId,
          value: body.value,
          label: body.label,
          triggerId: deps.triggerId(user.id),
        });
        const answer = await postSignedAction(deps.appUrl(), deps.signingSecret, payload);
        sendJson(res, 200, { ok: true, delivered: deliveryOf([answer]) });
      }),
    },
    {
      path: '/playground/view-submit',
      method: ['POST'],
      handler: guarded(deps, async (req, res) => {
        const body = await readJsonBody(req, viewSubmitBody);
        const user = await personIn(deps, body.user);
        const view = await ownView(deps, user.id, body.viewId);
        const values = Object.fromEntries(
          Object.entries(body.values).map(([blockId, actions]) => [
            blockId,
            Object.fromEntries(
              Object.entries(actions).map(([actionId, value]) => [
                actionId,
                { type: 'plain_text_input', value },
              ]),
            ),
          ]),
        );
        const payload = viewSubmissionPayload(deps.app, {
          userId: user.id,
          userTeamId: user.teamId,
          view,
          values,
          triggerId: deps.triggerId(user.id),
        });
        const answer = await postSignedAction(deps.appUrl(), deps.signingSecret, payload);
        const errors = answer.status === 200 ? submissionErrors(answer.body) : undefined;
        // Slack closes the modal on an empty 200; on `errors` it stays open and shows them per block.
        if (answer.status === 200 && !errors) await deps.workspace.closeModal(user.id, body.viewId);
        sendJson(res, 200, { ok: true, delivered: deliveryOf([answer]), ...(errors ? { errors } : {}) });
      }),
    },
    {
      path: '/playground/close-modal',
      method: ['POST'],
      handler: guarded(deps, async (req, res) => {
        const body = await readJsonBody(req, closeModalBody);
        await deps.workspace.closeModal((await personIn(deps, body.user)).id, body.viewId);
        sendJson(res, 200, { ok: true });
      }),
    },
  ];
}

/** A view the person may act on: theirs (Slack sends a person only their own views' interactions). */
async function ownView(
  deps: PlaygroundRouteDeps,
  user: string,
  viewId: string,
): Promise<Record<string, unknown>> {
  const views = await deps.workspace.views(user);
  const theirs = views.homeId === viewId || views.modals.some((m) => m.id === viewId);
  const view = theirs ? await deps.viewAsSent(viewId) : undefined;
  if (!view) throw new BadRequestError('that view is gone', 404);
  return view;
}

function submissionErrors(body: string): Record<string, string> | undefined {
  try {
    const parsed = submissionAnswer.safeParse(JSON.parse(body));
    return parsed.success ? parsed.data.errors : undefined;
  } catch {
    return undefined;
  }
}
