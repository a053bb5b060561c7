import type { RoleId } from '../../domain/roles.js';
import type { Impact, MessageType, Outcome, Priority, Provenance } from './schemas.js';
import type { Conversation, MemoryScope } from './scopes.js';

/** What callers hand agent memory and what they get back. */

export interface HistoryItem {
  id: string;
  task: string;
  outcome: Outcome;
  keyInsights: string[];
  delegations: string[];
  provenance: Provenance;
}

/** An insight as remembered: the latest wording, the strongest claim, and every report's provenance. */
export interface InsightItem {
  /** Hash of the normalised text (`insightId`). */
  id: string;
  /** Wording and area of the most recent report. */
  insight: string;
  area: string;
  /** Highest impact and confidence any report gave. */
  impact: Impact;
  confidence: number;
  /** Union of every report's tags, normalised (`normalizeTerm`). */
  tags: string[];
  /** Distinct projects that reported it. */
  projects: number;
  firstAt: number;
  lastAt: number;
  /** Every kept report, most recent first. */
  sources: Provenance[];
}

export interface RankedInsight extends InsightItem {
  score: number;
  relevance: number;
  matchedTags: string[];
  matchedWords: string[];
}

export interface AgentMessage {
  id: string;
  from: RoleId;
  to: RoleId | 'all';
  type: MessageType;
  priority: Priority;
  text: string;
  expiresAt: number;
  provenance: Provenance;
}

export interface RecallLimits {
  /** Most recent history entries. Default 5. */
  history: number;
  /** Top-ranked insights. Default 10. */
  insights: number;
  /** Unread messages (high priority first, then newest). Default 10. */
  messages: number;
}

export const DEFAULT_RECALL_LIMITS: Readonly<RecallLimits> = { history: 5, insights: 10, messages: 10 };

export interface Recall {
  history: HistoryItem[];
  insights: RankedInsight[];
  /** Unread, NOT marked read: pass their ids as `readMessageIds` to `recordStageOutcome`. */
  messages: AgentMessage[];
  /** Stored items that failed validation and were skipped. */
  corrupt: number;
}

export interface Collaborator {
  role: RoleId;
  tasks: number;
  successes: number;
  taskTypes: Record<string, number>;
}

export interface RoleMemory {
  teamId: string;
  role: RoleId;
  /** What was read: the public scope in a public channel; the conversation's own and the public in a private one. */
  scopes: MemoryScope[];
  counts: {
    history: number;
    insights: number;
    unreadMessages: number;
    /** Over the kept history. */
    outcomes: Record<Outcome, number>;
  };
  recentHistory: HistoryItem[];
  /** Ranked without project context: by value (impact, confidence, recency, corroboration). */
  topInsights: RankedInsight[];
  /** Most tasks together first. */
  collaborators: Collaborator[];
  unreadMessages: AgentMessage[];
  corrupt: number;
}

export interface StageOutcomeInput extends Conversation {
  projectId: string;
  stageId: string;
  attempt: number;
  role: RoleId;
  /**
   * The project record (keys.ts `project`, JSON with a `phase`): nothing at all is written unless it exists
   * and its phase is not one of `closedPhases`, checked inside the script that writes.
   */
  projectGuard: { key: string; closedPhases: readonly string[] };
  /** The stage's deliverable key (keys.ts `deliverable`) and JSON: written with SET NX by the same script. */
  deliverableKey: string;
  deliverableJson: string;
  history: { task: string; outcome: Outcome; keyInsights: string[]; delegations: string[]; at: number };
  insights: Array<{ area: string; insight: string; impact: Impact; confidence: number; tags: string[] }>;
  messages: Array<{ to: RoleId | 'all'; type: MessageType; priority: Priority; text: string }>;
  /** Roles whose output this stage read. The stage's own role is ignored. */
  collaborators: RoleId[];
  success: boolean;
  taskType: string;
  /** Messages the stage was shown (from `recall`): removed from this role's unread list. */
  readMessageIds: string[];
}

export type RecordResult =
  | {
      status: 'recorded';
      /** Wrong-typed memory keys the script found, deleted and rebuilt (corruption). */
      repairedKeys: number;
    }
  /** The deliverable already existed (an earlier try recorded it): nothing at all was written. */
  | { status: 'duplicate' }
  /**
   * The project no longer wants the result: its phase is one of the guard's closed phases, or `missing`
   * (no record) or `unreadable` (not JSON with a phase). Nothing at all was written.
   */
  | { status: 'project_closed'; phase: string };

export interface ForgetResult {
  /** Stage records of the project found in its index. */
  records: number;
  history: number;
  /** Insights only this project had reported: deleted. */
  insightsDeleted: number;
  /** Insights other projects also reported: kept, without this project's reports. */
  insightsUnlinked: number;
  /** Messages it sent that were still stored. */
  messages: number;
  /** Collaboration task records subtracted from pair counters. */
  collaborations: number;
  /** Index entries that did not parse (their items could not be located). */
  corrupt: number;
}
