import type { View } from '../domain/views.js';
import type { RoleMemory } from '../memory/agent-memory/index.js';

/** What a role remembers, as a view: the lines a person needs, each saying where it came from. */
export function memoryView(m: RoleMemory): Extract<View, { type: 'memory' }> {
  const from = (p: { projectId: string; stageId: string; at: number } | undefined) =>
    p ? `${p.projectId} · ${p.stageId} · ${new Date(p.at).toISOString().slice(0, 10)}` : 'unknown';
  return {
    type: 'memory',
    role: m.role,
    counts: {
      history: m.counts.history,
      insights: m.counts.insights,
      unreadMessages: m.counts.unreadMessages,
    },
    history: m.recentHistory.map((h) => ({ outcome: h.outcome, task: h.task, source: from(h.provenance) })),
    insights: m.topInsights.map((i) => ({
      area: i.area,
      insight: i.insight,
      impact: i.impact,
      confidence: i.confidence,
      source: from(i.sources[0]),
    })),
    collaborators: m.collaborators.map((c) => ({ role: c.role, tasks: c.tasks, successes: c.successes })),
    messages: m.unreadMessages.map((msg) => ({
      from: msg.from,
      type: msg.type,
      priority: msg.priority,
      text: msg.text,
    })),
  };
}
