import type { Requirements } from '../domain/requirements.js';
import type {
  AgentMessage,
  HistoryItem,
  Provenance,
  RankedInsight,
  Recall,
} from '../memory/agent-memory/index.js';
import { fitToBudget } from '../memory/agent-memory/index.js';

/** Words too common to say anything about a project's domain. */
const STOP_WORDS = new Set(
  'a an and are as at be behind build by can for from has have in into is it its of on or our serve so that the their them then this to use using we with will model data'.split(
    ' ',
  ),
);

/**
 * What this project is about, as terms that insights are ranked against: every stack choice, and the
 * domain words of the objective, target metric and data sources ("churn", "subscription", "auc").
 */
export function projectTerms(req: Requirements | undefined): string[] {
  if (!req) return [];
  const stack = Object.values(req.stack);
  const words = `${req.objective} ${req.targetMetric} ${req.dataSources.join(' ')}`
    .toLowerCase()
    .split(/[^a-z0-9+#]+/)
    .filter((w) => w.length >= 3 && !STOP_WORDS.has(w));
  return [...new Set([...stack, ...words])];
}

export interface MemoryContext {
  /** Prompt text: what the role remembers and its unread messages, each saying where it came from. */
  text: string;
  /** Ids of the messages shown: marked read when the stage's result is recorded. */
  shownMessageIds: string[];
  /** Items that did not fit the budget. */
  omitted: number;
}

/**
 * The tag around recalled memory in a prompt. What is inside was written by models on earlier stages (and
 * may quote anything they read): the charter tells every agent it is data, never instructions.
 */
export const UNTRUSTED_MEMORY_TAG = 'untrusted_memory';

/**
 * Recorded text as inert data: `&`, `<` and `>` become entities, so nothing in it can close the wrapper,
 * open a tag of its own, or form a Slack ping (`<!channel>`) should it ever be echoed.
 */
function asData(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function source(p: Provenance): string {
  return `from project ${p.projectId}, stage ${p.stageId}, ${new Date(p.at).toISOString().slice(0, 10)}`;
}

const line = {
  message: (m: AgentMessage) =>
    `- [${m.priority} ${m.type} from ${m.from}${m.to === 'all' ? ' to all roles' : ''}] ${m.text} (${source(m.provenance)})`,
  insight: (i: RankedInsight) => {
    const first = i.sources[0];
    const seen = i.projects > 1 ? `; reported in ${i.projects} projects` : '';
    return `- [${i.area}, ${i.impact} impact, confidence ${i.confidence.toFixed(2)}] ${i.insight} (${first ? source(first) : 'source unknown'}${seen})`;
  },
  history: (h: HistoryItem) =>
    `- ${h.outcome}: ${h.task}${h.keyInsights.length ? ` — learned: ${h.keyInsights.join('; ')}` : ''} (${source(h.provenance)})`,
};

/**
 * Renders recalled memory within a token budget: unread messages first (someone is waiting on them),
 * then insights in rank order, then recent history. Only messages that made it into the text count as shown.
 * The whole block is wrapped in `<untrusted_memory>` and every recorded text in it is escaped (`asData`).
 */
export function memoryContext(recall: Recall, tokenBudget: number): MemoryContext {
  type Item = { kind: 'message' | 'insight' | 'history'; text: string; messageId?: string };
  const items: Item[] = [
    ...recall.messages.map((m) => ({
      kind: 'message' as const,
      text: asData(line.message(m)),
      messageId: m.id,
    })),
    ...recall.insights.map((i) => ({ kind: 'insight' as const, text: asData(line.insight(i)) })),
    ...recall.history.map((h) => ({ kind: 'history' as const, text: asData(line.history(h)) })),
  ];
  const fit = fitToBudget(items, tokenBudget, (i) => i.text);
  if (fit.kept.length === 0) return { text: '', shownMessageIds: [], omitted: fit.omitted };
  const section = (kind: Item['kind'], title: string) => {
    const lines = fit.kept.filter((i) => i.kind === kind).map((i) => i.text);
    return lines.length ? `${title}\n${lines.join('\n')}` : '';
  };
  const text = [
    section('message', 'Unread messages from other agents of this workspace:'),
    section('insight', 'What you learned on earlier projects in this workspace (most relevant first):'),
    section('history', 'Your recent tasks:'),
  ]
    .filter(Boolean)
    .join('\n\n');
  const omitted = fit.omitted > 0 ? `\n(${fit.omitted} more remembered item(s) left out for length.)` : '';
  return {
    text: `<${UNTRUSTED_MEMORY_TAG}>\n${text}${omitted}\n</${UNTRUSTED_MEMORY_TAG}>`,
    shownMessageIds: fit.kept.flatMap((i) => (i.messageId ? [i.messageId] : [])),
    omitted: fit.omitted,
  };
}
