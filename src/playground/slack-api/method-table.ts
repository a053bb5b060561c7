import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * Which Web API methods exist and which arguments each requires, from ./slack-web-api-methods.json (Slack's
 * published OpenAPI spec, plus the methods added since). The JSON is read next to this module, so it works
 * from src/ under tsx and from dist/ after `npm run build` (which copies it).
 */

const methodsFile = z.object({
  methods: z.record(z.string(), z.object({ required: z.array(z.string()) })),
  newer_methods: z.array(z.string()),
});

/** Required arguments the 2021 spec lacks (newer methods carry no required list at all), as Slack enforces them. */
const EXTRA_REQUIRED: Record<string, string[]> = {
  'chat.update': ['channel', 'ts'],
  'chat.delete': ['channel', 'ts'],
  'conversations.history': ['channel'],
  'conversations.replies': ['channel', 'ts'],
  'files.getUploadURLExternal': ['filename', 'length'],
  'files.completeUploadExternal': ['files'],
  'views.update': ['view'],
  'assistant.threads.setSuggestedPrompts': ['channel_id', 'prompts'],
};

let knownMethods: Map<string, string[]> | undefined;

function load(): Map<string, string[]> {
  if (!knownMethods) {
    const path = new URL('./slack-web-api-methods.json', import.meta.url);
    const table = methodsFile.parse(JSON.parse(readFileSync(path, 'utf8')));
    knownMethods = new Map(Object.entries(table.methods).map(([name, spec]) => [name, spec.required]));
    for (const name of table.newer_methods) if (!knownMethods.has(name)) knownMethods.set(name, []);
  }
  return knownMethods;
}

/** The arguments `method` requires; undefined when Slack has no such method. */
export function requiredArgs(method: string): string[] | undefined {
  const required = load().get(method);
  if (required === undefined) return undefined;
  return [...new Set([...required, ...(EXTRA_REQUIRED[method] ?? [])])];
}

/** Methods an app-level token may call; every other method wants the bot token, and vice versa. */
export const APP_TOKEN_METHODS: ReadonlySet<string> = new Set([
  'apps.connections.open',
  'apps.event.authorizations.list',
]);
