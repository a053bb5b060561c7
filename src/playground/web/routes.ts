import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { z } from 'zod';
import { eventsForMessage, MAX_TYPED_CHARS, readTyped, slackTextOf } from '../compose.js';
import type { Workspace, WorkspaceUser } from '../slack-api/workspace.js';
import {
  type AppIdentity,
  agentSessionStoppedEvent,
  appHomeOpenedEvent,
  blockActionPayload,
  eventEnvelope,
  type SlackPerson,
  slashCommandBody,
  viewBlockActionPayload,
  viewSubmissionPayload,
} from '../slack-events/payloads.js';
import {
  postSignedAction,
  postSignedEvent,
  postSignedRaw,
  type SignedPostResult,
} from '../slack-events/signing.js';
import {
  BadRequestError,
  PAGE_SECURITY_HEADERS,
  queryOf,
  readJsonBody,
  sendError,
  sendJson,
} from './http.js';
import { pageHtml } from './page.js';
import { buildPageState, type MessageRenderer } from './page-state.js';

/**
 * The playground page's HTTP routes, served beside `/slack/events` on the app's own port. People's
 * messages are stored in the workspace as Slack stores them and then reach the Bolt app as signed events;
 * clicks reach it as signed `block_actions`, exactly as they would from Slack.
 */

export interface PlaygroundRouteDeps {
  workspace: Workspace;
  renderer: MessageRenderer;
  /** The CSS the rendered messages need (the renderer's). */
  messageCss: string;
  app: AppIdentity;
  signingSecret: string;
  /** Where the Bolt app listens, e.g. http://127.0.0.1:3000 (known once it has started). */
  appUrl(): string;
  /** A response_url for a click or command, which the Slack stand-in answers for that person and place. */
  responseUrl(
    target: { user: string; channel: string; threadTs?: string; messageTs?: string },
    label?: string,
  ): string;
  /** A view as Slack repeats it in payloads (ids, hash), by id. */
  viewAsSent(viewId: string): Promise<Record<string, unknown> | undefined>;
  /** A trigger id the Slack stand-in accepts from `views.open` for this person, as Slack's click carries. */
  triggerId(user: string): string;
  offline: boolean;
  logger: Logger;
}

export interface PlaygroundRoute {
  path: string;
  method: string[];
  handler: (req: IncomingMessage, res: ServerResponse) => void;
}

const ASSETS = {
  script: readFileSync(new URL('./assets/playground.js', import.meta.url), 'utf8'),
  layoutCss: readFileSync(new URL('./assets/layout.css', import.meta.url), 'utf8'),
};

const SLACK_ID = z.string().regex(/^[A-Z0-9]{2,20}$/, 'not a Slack id');
const SLACK_TS = z.string().regex(/^\d{1,12}\.\d{1,6}$/, 'not a Slack ts');

const sayBody = z.object({
  user: SLACK_ID,
  channel: SLACK_ID,
  threadTs: SLACK_TS.optional(),
  text: z.string().trim().min(1, 'type something first').max(MAX_TYPED_CHARS, 'message too long'),
});

const clickBody = z.object({
  user: SLACK_ID,
  channel: SLACK_ID,
  messageTs: SLACK_TS,
  threadTs: SLACK_TS.optional(),
  actionId: z.string().min(1).max(255),
  blockId: z.string().max(255).optional(),
  value: z.string().max(2000).default(''),
  label: z.string().max(75).default(''),
  ephemeral: z.boolean().default(false),
});

const VIEW_ID = z.string().min(1).max(255);
const closeModalBody = z.object({ user: SLACK_ID, viewId: VIEW_ID });
const stopBody = z.object({ user: SLACK_ID, channel: SLACK_ID, threadTs: SLACK_TS });
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

export function playgroundRoutes(deps: PlaygroundRouteDeps): PlaygroundRoute[] {
  const guarded =
    (handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>): PlaygroundRoute['handler'] =>
    (req, res) => {
      handle(req, res).catch((err: unknown) => {
        if (!(err instanceof BadRequestError))
          deps.logger.error({ err, url: req.url }, 'playground request failed');
        sendError(res, err);
      });
    };

  const person = async (id: string): Promise<WorkspaceUser> => {
    const user = (await deps.workspace.users()).find((u) => u.id === id && !u.isBot);
    if (!user) throw new BadRequestError(`nobody in the playground has the id ${id}`);
    return user;
  };

  return [
    {
      path: '/',
      method: ['GET'],
      handler: (_req, res) => {
        res
          .writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...PAGE_SECURITY_HEADERS })
          .end(pageHtml({ offline: deps.offline }));
      },
    },
    {
      path: '/playground/playground.js',
      method: ['GET'],
      handler: (_req, res) => {
        res
          .writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', ...PAGE_SECURITY_HEADERS })
          .end(ASSETS.script);
      },
    },
    {
      path: '/playground/playground.css',
      method: ['GET'],
      handler: (_req, res) => {
        res
          .writeHead(200, { 'content-type': 'text/css; charset=utf-8', ...PAGE_SECURITY_HEADERS })
          .end(`${ASSETS.layoutCss}\n${deps.messageCss}`);
      },
    },
    {
      path: '/playground/state',
      method: ['GET'],
      handler: guarded(async (req, res) => {
        const query = queryOf(req);
        const me = SLACK_ID.safeParse(query.get('user') ?? '');
        const people = (await deps.workspace.users()).filter((u) => !u.isBot);
        const user = people.find((u) => me.success && u.id === me.data) ?? people[0];
        if (!user) throw new BadRequestError('the playground workspace has nobody in it');
        const state = await buildPageState(
          deps.workspace,
          deps.renderer,
          {
            me: user.id,
            channel: query.get('channel') ?? undefined,
            thread: query.get('thread') ?? undefined,
          },
          {
            offline: deps.offline,
            botUserId: deps.app.botUserId,
            fileUrl: (id) => `/playground/files/${id}`,
          },
        );
        sendJson(res, 200, state);
      }),
    },
    {
      path: '/playground/stream',
      method: ['GET'],
      handler: (req, res) => {
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-store',
          connection: 'keep-alive',
        });
        res.write('retry: 1000\n\n');
        const unsubscribe = deps.workspace.subscribe((change) => {
          res.write(`data: ${JSON.stringify(change)}\n\n`);
        });
        // Proxies and browsers drop a silent stream; a comment every 15 s keeps it open.
        const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
        heartbeat.unref();
        req.on('close', () => {
          clearInterval(heartbeat);
          unsubscribe();
        });
      },
    },
    {
      path: '/playground/files/:id',
      method: ['GET'],
      handler: guarded(async (req, res) => {
        const id = pathParam(req, 'id');
        const found = await deps.workspace.file(id);
        if (!found) throw new BadRequestError('no such file', 404);
        const inlineImage = /^image\/(png|jpeg|gif|webp)$/.test(found.file.mimetype);
        res
          .writeHead(200, {
            // Anything but a plain image downloads, so no uploaded HTML or SVG ever runs on this origin.
            'content-type': inlineImage ? found.file.mimetype : 'application/octet-stream',
            'content-disposition': `${inlineImage ? 'inline' : 'attachment'}; filename="${asciiFilename(found.file.name)}"; filename*=UTF-8''${encodeURIComponent(found.file.name)}`,
            'content-length': String(found.content.length),
            ...PAGE_SECURITY_HEADERS,
          })
          .end(found.content);
      }),
    },
    {
      path: '/playground/say',
      method: ['POST'],
      handler: guarded(async (req, res) => {
        const body = await readJsonBody(req, sayBody);
        const [user, users, channels] = await Promise.all([
          person(body.user),
          deps.workspace.users(),
          deps.workspace.channels(),
        ]);
        const channel = channels.find((c) => c.id === body.channel);
        if (!channel || (channel.isIm && channel.dmWith !== user.id)) {
          throw new BadRequestError(`${user.realName} cannot post in that channel`, 403);
        }
        const typed = readTyped(body.text);
        if (typed.kind === 'unknown-command') {
          throw new BadRequestError(
            `${typed.command} is not a valid command. In the playground, try /pipewright help.`,
          );
        }
        if (typed.kind === 'command') {
          // Slack stores nothing for a slash command: the app answers through response_url.
          const form = slashCommandBody(deps.app, {
            person: personOf(user),
            command: typed.command,
            text: typed.text,
            channelId: channel.id,
            channelName: channel.name,
            responseUrl: deps.responseUrl({ user: user.id, channel: channel.id }, 'command'),
            triggerId: deps.triggerId(user.id),
          });
          const answer = await postSignedRaw(
            deps.appUrl(),
            deps.signingSecret,
            form,
            'application/x-www-form-urlencoded',
          );
          await answerInline(deps, answer, { user: user.id, channel: channel.id });
          sendJson(res, 200, { ok: true, delivered: deliveryOf([answer]) });
          return;
        }
        const message = await deps.workspace.postAsUser({
          channel: channel.id,
          user: user.id,
          text: slackTextOf(body.text, users),
          ...(body.threadTs !== undefined ? { threadTs: body.threadTs } : {}),
        });
        const answers: SignedPostResult[] = [];
        for (const event of eventsForMessage(message, channel, deps.app.botUserId, user.teamId)) {
          answers.push(
            await postSignedEvent(deps.appUrl(), deps.signingSecret, eventEnvelope(deps.app, event)),
          );
        }
        sendJson(res, 200, { ok: true, ts: message.ts, delivered: deliveryOf(answers) });
      }),
    },
    {
      path: '/playground/click',
      method: ['POST'],
      handler: guarded(async (req, res) => {
        const body = await readJsonBody(req, clickBody);
        const user = await person(body.user);
        const channels = await deps.workspace.channels();
        const channel = channels.find((c) => c.id === body.channel);
        if (!channel) throw new BadRequestError('no such channel');
        const scope = body.threadTs ?? body.messageTs;
        const message = body.ephemeral
          ? undefined
          : (await deps.workspace.thread(channel.id, scope)).find((m) => m.ts === body.messageTs);
        if (!body.ephemeral && !message) throw new BadRequestError('that message is gone');
        const payload = blockActionPayload(deps.app, {
          userId: user.id,
          userName: user.name,
          userTeamId: user.teamId,
          channelId: channel.id,
          channelName: channel.name,
          messageTs: body.messageTs,
          ...(body.threadTs !== undefined ? { threadTs: body.threadTs } : {}),
          actionId: body.actionId,
          value: body.value,
          label: body.label,
          ...(body.blockId !== undefined ? { blockId: body.blockId } : {}),
          responseUrl: deps.responseUrl({
            user: user.id,
            channel: channel.id,
            messageTs: body.messageTs,
            ...(body.threadTs !== undefined ? { threadTs: body.threadTs } : {}),
          }),
          message: { text: message?.text ?? '', blocks: message?.blocks ?? [], user: deps.app.botUserId },
          isEphemeral: body.ephemeral,
          triggerId: deps.triggerId(user.id),
        });
        const answer = await postSignedAction(deps.appUrl(), deps.signingSecret, payload);
        sendJson(res, 200, { ok: true, delivered: deliveryOf([answer]) });
      }),
    },
    {
      path: '/playground/stop',
      method: ['POST'],
      handler: guarded(async (req, res) => {
        const body = await readJsonBody(req, stopBody);
        const user = await person(body.user);
        const event = agentSessionStoppedEvent({
          user: user.id,
          channel: body.channel,
          threadTs: body.threadTs,
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
      path: '/playground/open-tab',
      method: ['POST'],
      handler: guarded(async (req, res) => {
        const body = await readJsonBody(req, openTabBody);
        const user = await person(body.user);
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
      handler: guarded(async (req, res) => {
        const body = await readJsonBody(req, viewClickBody);
        const user = await person(body.user);
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
      handler: guarded(async (req, res) => {
        const body = await readJsonBody(req, viewSubmitBody);
        const user = await person(body.user);
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
      handler: guarded(async (req, res) => {
        const body = await readJsonBody(req, closeModalBody);
        await deps.workspace.closeModal((await person(body.user)).id, body.viewId);
        sendJson(res, 200, { ok: true });
      }),
    },
  ];
}

function personOf(user: WorkspaceUser): SlackPerson {
  return { id: user.id, name: user.name, teamId: user.teamId };
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

/**
 * Slack shows a slash command's immediate answer (a JSON body with `text`/`blocks`) to the person who
 * typed it, like a response_url post: the playground does the same through the stand-in.
 */
async function answerInline(
  deps: PlaygroundRouteDeps,
  answer: SignedPostResult,
  target: { user: string; channel: string },
): Promise<void> {
  if (answer.status !== 200 || answer.body.trim() === '') return;
  let body: unknown;
  try {
    body = JSON.parse(answer.body);
  } catch {
    body = { text: answer.body };
  }
  await fetch(deps.responseUrl(target, 'command'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** What the page tells the person when the app did not take their message (Slack would retry). */
function deliveryOf(answers: SignedPostResult[]): { ok: boolean; status: number } {
  const failed = answers.find((a) => a.status !== 200);
  return { ok: failed === undefined, status: failed?.status ?? 200 };
}

/** Bolt's custom routes put path parameters on the request (`params`). */
function pathParam(req: IncomingMessage, name: string): string {
  const params: unknown = (req as { params?: unknown }).params;
  const value =
    typeof params === 'object' && params !== null ? (params as Record<string, unknown>)[name] : undefined;
  return typeof value === 'string' ? value : '';
}

function asciiFilename(name: string): string {
  return name.replace(/[^\x20-\x7e]|["\\]/g, '_');
}
