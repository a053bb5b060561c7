/** What the Slack surface needs to know of the configuration (the app layer reads and validates it). */
export interface SlackSettings {
  /** Bot token (xoxb-…). */
  botToken: string | undefined;
  signingSecret: string | undefined;
  /** App-level token (xapp-…): Socket Mode when set. */
  appToken: string | undefined;
  /** Base URL of the Slack Web API; undefined: Slack's own. */
  apiUrl: string | undefined;
  /** Timeout of one Web API request, in ms. */
  timeoutMs: number;
}

/** The configuration the Bolt app is built from. */
export interface SlackAppSettings {
  slack: SlackSettings;
  /** HTTP port (events, interactivity, commands, /healthz, /metrics). */
  port: number;
  /** APPROVER_IDS: who may decide gates (the Reject listener checks before it opens its modal); App Home lists every project for them, and their gates as waiting on them. */
  approverIds: readonly string[];
  /** The offline model answers (no ANTHROPIC_API_KEY): the bot's messages say so. */
  offlineModel: { inUse: boolean };
  /** Open projects one person may have (`/pipewright new` says so before it posts anything). */
  maxOpenProjectsPerUser: number;
  /** Least time between two refreshes of one person's App Home, in ms. */
  homeRefreshIntervalMs: number;
  /** APPROVER_GROUP: a gate click from anyone else asks Slack whether they are in it. */
  approvals?: { groupId: string | undefined };
}
