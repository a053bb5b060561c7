import type { App, webApi } from '@slack/bolt';
import { z } from 'zod';
import { viewersOf } from '../../domain/project-listing.js';
import { type HomeDeps, publishHome } from '../home/publish.js';
import { HOME_ACTIONS, renderProjectStatus } from '../views/home.js';
import { simple } from '../views/message.js';
import { type RenderSettings, withOfflineMark } from '../views/offline.js';
import { envelopeSchema, installingTeamOf } from './slack-payloads.js';

const homeOpenedSchema = z.object({
  user: z.string().min(1),
  /** The person's direct-message conversation with the app (the Messages tab). */
  channel: z.string().min(1),
  tab: z.enum(['home', 'messages']).optional(),
});

/** A click on a button of App Home (container `view`) or of an ephemeral list (`/pipewright`). */
const homeClickSchema = z.object({
  user: z.object({ id: z.string().min(1), team_id: z.string().optional() }),
  team: z.object({ id: z.string() }).nullish(),
  actions: z.array(z.object({ action_id: z.string(), value: z.string().max(2000) })).min(1),
});

/**
 * What a new person sees in the Messages tab: requests they can send as they are. Slack shows at most four.
 * With `agent_view` the prompts belong to the conversation (no thread_ts: with one, Slack ignores the call).
 */
export const SUGGESTED_PROMPTS = {
  title: 'Start a machine-learning project',
  prompts: [
    {
      title: 'Churn model behind an API',
      message: 'Build a churn model for our subscription data and serve it behind an API',
    },
    {
      title: 'Weekly demand forecast',
      message: 'Forecast weekly demand per store for the next quarter, scored in batch every Monday',
    },
    {
      title: 'Real-time fraud detection',
      message: 'Detect fraudulent card transactions in real time, under 50 ms per decision',
    },
    {
      title: 'Product recommendations',
      message:
        'Recommend products on our storefront from browsing history, with an A/B test against the current rules',
    },
  ],
} as const;

export interface HomeListenerDeps extends HomeDeps {
  /** Slack writes that must not be repeated blindly (the status message); see outbox/writer.ts. */
  writer: webApi.WebClient;
  render: RenderSettings;
}

/**
 * App Home: the Home tab lists the person's projects (published when they open it, refreshed when one
 * changes: home/refresh-worker.ts); the Messages tab suggests requests. The work happens after the ack.
 */
export function registerHomeListeners(app: App, deps: HomeListenerDeps): void {
  app.event('app_home_opened', async ({ event, body, client }) => {
    const envelope = envelopeSchema.safeParse(body);
    const opened = homeOpenedSchema.safeParse(event);
    if (!envelope.success || !opened.success) {
      deps.logger.warn('ignoring malformed app_home_opened');
      return;
    }
    const teamId = installingTeamOf(envelope.data);
    const { user, channel, tab } = opened.data;
    if (tab === 'messages') {
      detach(deps, 'could not set the suggested prompts', () =>
        client.assistant.threads.setSuggestedPrompts({
          channel_id: channel,
          title: SUGGESTED_PROMPTS.title,
          prompts: SUGGESTED_PROMPTS.prompts.map((p) => ({ ...p })),
        }),
      );
      return;
    }
    detach(deps, 'could not publish App Home', async () => {
      await publishHome(deps, client, teamId, user);
      await deps.schedule.published(teamId, user);
    });
  });

  app.action(
    new RegExp(`^(${HOME_ACTIONS.nextPage}|${HOME_ACTIONS.previousPage})$`),
    async ({ ack, body, client }) => {
      await ack();
      const click = homeClickSchema.safeParse(body);
      const page = Number(click.data?.actions[0]?.value);
      if (!click.success || !Number.isInteger(page) || page < 0) return;
      const teamId = click.data.team?.id ?? '';
      const userId = click.data.user.id;
      detach(deps, 'could not turn the App Home page', async () => {
        const shown = await publishHome(deps, client, teamId, userId, page);
        await deps.schedule.setPage(teamId, userId, shown);
        await deps.schedule.published(teamId, userId);
      });
    },
  );

  app.action(HOME_ACTIONS.status, async ({ ack, body }) => {
    await ack();
    const click = homeClickSchema.safeParse(body);
    if (!click.success) return;
    detach(deps, 'could not send a project status', () => sendStatus(deps, click.data));
  });
}

/**
 * The status goes to the clicker as a direct message from the app: they read it in the Messages tab, one
 * tab from Home, it stays there, and it reaches an approver who is not in the project's channel (where
 * chat.postEphemeral would fail with user_not_in_channel, and would show where they are not looking).
 */
async function sendStatus(deps: HomeListenerDeps, click: z.infer<typeof homeClickSchema>): Promise<void> {
  const userId = click.user.id;
  const projectId = click.actions[0]?.value ?? '';
  const project = await deps.projects.get(projectId);
  const sameOrg = (teamId: string) => click.user.team_id === undefined || click.user.team_id === teamId;
  const message =
    project &&
    project.phase !== 'forgotten' &&
    project.teamId === (click.team?.id ?? project.teamId) &&
    sameOrg(project.teamId) &&
    viewersOf(project, deps.approverIds).includes(userId)
      ? renderProjectStatus(project, deps.render)
      : withOfflineMark(
          simple(
            'That project is not one of yours (or it is gone), so I cannot send its status here. Anyone in its thread can ask me for `status` there.',
          ),
          deps.render,
        );
  await deps.writer.chat.postMessage({ channel: userId, unfurl_links: false, ...message });
}

/** Runs `work` after the listener returns, so Slack's ack does not wait on Slack's own API. */
function detach(deps: HomeListenerDeps, failure: string, work: () => Promise<unknown>): void {
  work().catch((err: unknown) => deps.logger.warn({ err }, failure));
}
