/** Who the stand-in's workspace is and which tokens it accepts: the team, its bot, the bot's tokens. */
export interface SlackApiIdentity {
  teamId: string;
  teamName: string;
  /** The workspace's subdomain, as in `https://<domain>.slack.com/`. */
  teamDomain: string;
  /** The bot's user id (messages the bot posts carry it as `user`) and its bot id (`bot_id`). */
  botUserId: string;
  botId: string;
  /** The bot's handle, e.g. "pipewright". */
  botName: string;
  /** The bot token (`xoxb-…`) every Web API method but Socket Mode's wants. */
  botToken: string;
  /** The app-level token (`xapp-…`) `apps.connections.open` accepts. */
  appToken: string;
}
