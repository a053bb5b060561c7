import { agentMethod } from './agent-methods.js';
import { type Answer, fail, ok } from './answers.js';
import { setSuggestedPrompts } from './assistant-methods.js';
import {
  deleteMessage,
  history,
  postEphemeral,
  postMessage,
  replies,
  updateMessage,
} from './chat-methods.js';
import type { ApiContext } from './context.js';
import { completeUpload, getUploadUrl } from './file-methods.js';
import { peopleMethod } from './people-methods.js';
import { channelInfo, userProfile } from './slack-shapes.js';
import { openView, publishView, updateView } from './view-methods.js';

/**
 * The answer to a call that passed every check (method, rate limit, token, arguments, content). Methods the
 * workspace keeps no state for answer a bare `ok`, as most of Slack's writes do.
 */
export async function succeed(
  ctx: ApiContext,
  method: string,
  args: Record<string, unknown>,
): Promise<Answer> {
  const { identity } = ctx;
  switch (method) {
    case 'auth.test':
      return ok({
        url: `https://${identity.teamDomain}.slack.com/`,
        team: identity.teamName,
        user: identity.botName,
        team_id: identity.teamId,
        user_id: identity.botUserId,
        bot_id: identity.botId,
        is_enterprise_install: false,
      });
    case 'chat.postMessage':
      return postMessage(ctx, args);
    case 'chat.update':
      return updateMessage(ctx, args);
    case 'chat.delete':
      return deleteMessage(ctx, args);
    case 'chat.postEphemeral':
      return postEphemeral(ctx, args);
    case 'conversations.history':
      return history(ctx, args);
    case 'conversations.replies':
      return replies(ctx, args);
    case 'files.getUploadURLExternal':
      return getUploadUrl(ctx, args);
    case 'files.completeUploadExternal':
      return completeUpload(ctx, args);
    case 'views.publish':
      return publishView(ctx, args);
    case 'views.open':
      return openView(ctx, args, 'open');
    case 'views.push':
      return openView(ctx, args, 'push');
    case 'views.update':
      return updateView(ctx, args);
    case 'users.info': {
      if (typeof args.user !== 'string') return fail('user_not_found');
      const stored = await ctx.workspace.user(args.user);
      return ok({ user: userProfile(identity, args.user, stored, ctx.userOverrides.get(args.user)) });
    }
    case 'conversations.info': {
      if (typeof args.channel !== 'string') return fail('channel_not_found');
      const stored = await ctx.workspace.channel(args.channel);
      const override = ctx.channelOverrides.get(args.channel);
      return ok({ channel: channelInfo(identity, args.channel, stored, override) });
    }
    case 'assistant.threads.setSuggestedPrompts':
      return setSuggestedPrompts(ctx, args);
    case 'apps.connections.open':
      return ok({ url: ctx.socket.openConnection() });
    default:
      return agentMethod(ctx, method, args) ?? (await peopleMethod(ctx, method, args)) ?? ok();
  }
}
