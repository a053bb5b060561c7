import { z } from 'zod';
import { eventsForMessage, MAX_TYPED_CHARS, readTyped, slackTextOf } from '../compose.js';
import {
  agentSessionStoppedEvent,
  blockActionPayload,
  eventEnvelope,
  slashCommandBody,
} from '../slack-events/payloads.js';
import {
  postSignedAction,
  postSignedEvent,
  postSignedRaw,
  type SignedPostResult,
} from '../slack-events/signing.js';
import { BadRequestError, readJsonBody, sendJson } from './http.js';
import {
  deliveryOf,
  guarded,
  type PlaygroundRoute,
  type PlaygroundRouteDeps,
  personIn,
  personOf,
  SLACK_ID,
  SLACK_TS,
} from './route-kit.js';

/**
 * What people do in a conversation: type (a message, or a slash command), click a message's button, press
 * a session's Stop. Messages are stored as Slack stores them, then reach the app as signed requests.
 */

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

const stopBody = z.object({ user: SLACK_ID, channel: SLACK_ID, threadTs: SLACK_TS });

export function messageRoutes(deps: PlaygroundRouteDeps): PlaygroundRoute[] {
  return [
    {
      path: '/playground/say',
      method: ['POST'],
      handler: guarded(deps, async (req, res) => {
        const body = await readJsonBody(req, sayBody);
        const [user, users, channels] = await Promise.all([
          personIn(deps, body.user),
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
      handler: guarded(deps, async (req, res) => {
        const body = await readJsonBody(req, clickBody);
        const user = await personIn(deps, body.user);
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
      handler: guarded(deps, async (req, res) => {
        const body = await readJsonBody(req, stopBody);
        const user = await personIn(deps, body.user);
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
  ];
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
