import { type Answer, invalidArguments, isRecord, ok } from './answers.js';
import { type ApiContext, str } from './context.js';

/** Slack shows at most four suggested prompts. */
const MAX_PROMPTS = 4;

/**
 * assistant.threads.setSuggestedPrompts: up to four prompts, each with a `title` and a `message`. An agent
 * app (`agent_view`) sets them for the conversation, without `thread_ts`; the legacy assistant view names
 * the thread. Slack keeps no state the stand-in needs: the call log shows what was suggested.
 */
export async function setSuggestedPrompts(ctx: ApiContext, args: Record<string, unknown>): Promise<Answer> {
  const prompts = listOf(args.prompts);
  const problems: string[] = [];
  if (!prompts || prompts.length === 0)
    problems.push('prompts must be a non-empty list [json-pointer:/prompts]');
  else if (prompts.length > MAX_PROMPTS)
    problems.push(
      `no more than ${MAX_PROMPTS} prompts allowed, got ${prompts.length} [json-pointer:/prompts]`,
    );
  prompts?.forEach((p, i) => {
    if (!isRecord(p) || !str(p.title) || !str(p.message))
      problems.push(`prompt must have a "title" and a "message" [json-pointer:/prompts/${i}]`);
  });
  if (problems.length > 0) return invalidArguments(problems);
  // Kept per conversation, so the playground's Messages tab can offer them as Slack does.
  const suggested = (prompts ?? []).flatMap((p) =>
    isRecord(p) && str(p.title) && str(p.message)
      ? [{ title: String(p.title), message: String(p.message) }]
      : [],
  );
  await ctx.workspace.saveSuggestedPrompts(String(args.channel_id), suggested);
  return ok();
}

/** A list argument arrives as JSON text in a form body, or as a list in a JSON one. */
function listOf(value: unknown): unknown[] | undefined {
  if (Array.isArray(value)) return value;
  if (typeof value !== 'string') return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}
