/** The outbox: every Slack write of the bot (worker.ts), through one client that never retries blind. */
export type { OutboxDeps } from './deps.js';
export { startOutboxWorkers } from './worker.js';
export { createSlackWriter } from './writer.js';
