import { ROLE_IDS, type RoleId } from '../../domain/roles.js';
import { AgentMemoryKeys, pairOf } from '../keys.js';
import { insightId, normalizeInsightText } from './ranking.js';
import type {
  Contribution,
  HistoryEntry,
  InsightSource,
  StoredMessage,
  ValidStageOutcome,
} from './schemas.js';
import { readScopes, writeScope } from './scopes.js';
import type { AgentMemorySettings } from './settings.js';

/** How the record script is called: its KEYS in order, and the payload it takes as ARGV[1]. */
export interface RecordScriptCall {
  keys: string[];
  payload: RecordPayload;
  /** The memory base of the stage's scope (`<prefix>:mem:<team>:<scope>`), named when keys are repaired. */
  mem: string;
}

/** ARGV[1] of lua/agent-memory-record.lua, whose header names every field; numbers in lists index KEYS. */
export interface RecordPayload {
  recordId: string;
  deliverable: string;
  history: string;
  contribution: string;
  taskTypeField: string;
  at: number;
  now: number;
  historyCap: number;
  insightCap: number;
  maxSources: number;
  ttlMs: number;
  maxUnread: number;
  success: boolean;
  insights: Array<{ id: string; line: string }>;
  messages: Array<{ id: string; json: string; body: number; inboxes: number[]; expiresAt: number }>;
  collab: number[];
  read: string[];
  readInboxes: number[];
  closedPhases: readonly string[];
}

/**
 * Everything one stage writes to memory, as the record script takes it: the keys of the stage's scope (the
 * first eight fixed, the rest added once each as the payload refers to them) and the payload. Pure: `now`
 * is the caller's clock, in epoch ms.
 */
export function recordScriptCall(
  prefix: string,
  settings: Pick<
    AgentMemorySettings,
    'historyCap' | 'insightCap' | 'maxSourcesPerInsight' | 'messageTtlMs' | 'maxUnreadPerRole'
  >,
  i: ValidStageOutcome,
  now: number,
): RecordScriptCall {
  const k = AgentMemoryKeys.of(prefix, i.teamId, writeScope(i));
  const recordId = `${i.projectId}:${i.stageId}:${i.attempt}`;
  const provenance = {
    projectId: i.projectId,
    stageId: i.stageId,
    attempt: i.attempt,
    role: i.role,
    at: i.history.at,
  };

  const keys: string[] = [
    i.deliverableKey,
    k.project(i.projectId),
    k.history(i.role),
    k.historyEntries(i.role),
    k.insights(i.role),
    k.insightRank(i.role),
    k.inbox(i.role),
    i.projectGuard.key,
  ];
  const keyIndex = (key: string): number => {
    const at = keys.indexOf(key);
    if (at >= 0) return at + 1;
    keys.push(key);
    return keys.length;
  };
  // The messages it was shown came from every scope it reads: mark them read in each.
  const readInboxes = readScopes(i).map((scope) =>
    keyIndex(AgentMemoryKeys.of(prefix, i.teamId, scope).inbox(i.role)),
  );

  const history: HistoryEntry = {
    id: recordId,
    ...provenance,
    task: i.history.task,
    outcome: i.history.outcome,
    keyInsights: i.history.keyInsights,
    delegations: i.history.delegations,
  };

  const insights: Array<{ id: string; line: string }> = [];
  for (const ins of i.insights) {
    if (normalizeInsightText(ins.insight) === '') continue;
    const id = insightId(ins.insight);
    if (insights.some((x) => x.id === id)) continue;
    const source: InsightSource = {
      recordId,
      ...provenance,
      area: ins.area,
      insight: ins.insight,
      impact: ins.impact,
      confidence: ins.confidence,
      tags: [...new Set(ins.tags.filter((t) => t !== ''))],
    };
    insights.push({ id, line: JSON.stringify(source) });
  }

  const collaborators = [...new Set(i.collaborators)].filter((r) => r !== i.role);
  const collab = collaborators.map((r) => keyIndex(k.collab(i.role, r)));

  const expiresAt = now + settings.messageTtlMs;
  const messages: Array<{ id: string; json: string; body: number; inboxes: number[]; expiresAt: number }> =
    [];
  const sent: Contribution['messages'] = [];
  i.messages.forEach((m, n) => {
    if (m.text === '') return;
    const id = `${recordId}#${n}`;
    const to: RoleId[] = m.to === 'all' ? ROLE_IDS.filter((r) => r !== i.role) : [m.to];
    const body: StoredMessage = {
      id,
      ...provenance,
      from: i.role,
      to: m.to,
      type: m.type,
      priority: m.priority,
      text: m.text,
      expiresAt,
    };
    messages.push({
      id,
      json: JSON.stringify(body),
      body: keyIndex(k.body(id)),
      inboxes: to.map((r) => keyIndex(k.inbox(r))),
      expiresAt,
    });
    sent.push({ id, to });
  });

  const taskTypeField = `type:${i.taskType === '' ? 'unspecified' : i.taskType}`;
  const contribution: Contribution = {
    recordId,
    role: i.role,
    insights: insights.map((x) => x.id),
    messages: sent,
    collab: { pairs: collaborators.map((r) => pairOf(i.role, r)), success: i.success, taskTypeField },
  };

  const payload: RecordPayload = {
    recordId,
    deliverable: i.deliverableJson,
    history: JSON.stringify(history),
    contribution: JSON.stringify(contribution),
    taskTypeField,
    at: i.history.at,
    now,
    historyCap: settings.historyCap,
    insightCap: settings.insightCap,
    maxSources: settings.maxSourcesPerInsight,
    ttlMs: settings.messageTtlMs,
    maxUnread: settings.maxUnreadPerRole,
    success: i.success,
    insights,
    messages,
    collab,
    read: [...new Set(i.readMessageIds)],
    readInboxes,
    closedPhases: i.projectGuard.closedPhases,
  };
  return { keys, payload, mem: k.mem };
}
