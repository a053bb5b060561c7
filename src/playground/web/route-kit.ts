import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Workspace, WorkspaceUser } from '../slack-api/workspace.js';
import type { AppIdentity, SlackPerson } from '../slack-events/payloads.js';
import type { SignedPostResult } from '../slack-events/signing.js';
import { BadRequestError, sendError } from './http.js';
import type { MessageRenderer } from './page-state.js';

/** What every playground route shares: its dependencies, the ids it checks, errors answered plainly. */

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

export const SLACK_ID = z.string().regex(/^[A-Z0-9]{2,20}$/, 'not a Slack id');
export const SLACK_TS = z.string().regex(/^\d{1,12}\.\d{1,6}$/, 'not a Slack ts');
export const VIEW_ID = z.string().min(1).max(255);

/** A route whose failures are answered as JSON errors (a bad request plainly; anything else logged). */
export function guarded(
  deps: Pick<PlaygroundRouteDeps, 'logger'>,
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
): PlaygroundRoute['handler'] {
  return (req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!(err instanceof BadRequestError))
        deps.logger.error({ err, url: req.url }, 'playground request failed');
      sendError(res, err);
    });
  };
}

/** One of the playground's people (never the bot), or a clear refusal. */
export async function personIn(
  deps: Pick<PlaygroundRouteDeps, 'workspace'>,
  id: string,
): Promise<WorkspaceUser> {
  const user = (await deps.workspace.users()).find((u) => u.id === id && !u.isBot);
  if (!user) throw new BadRequestError(`nobody in the playground has the id ${id}`);
  return user;
}

export function personOf(user: WorkspaceUser): SlackPerson {
  return { id: user.id, name: user.name, teamId: user.teamId };
}

/** What the page tells the person when the app did not take their message (Slack would retry). */
export function deliveryOf(answers: SignedPostResult[]): { ok: boolean; status: number } {
  const failed = answers.find((a) => a.status !== 200);
  return { ok: failed === undefined, status: failed?.status ?? 200 };
}
