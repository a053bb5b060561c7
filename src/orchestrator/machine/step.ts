import type { AuditEntry } from '../../domain/audit.js';
import { type Actor, type Control, mayControl } from '../../domain/authority.js';
import type { Effect } from '../../domain/effects.js';
import { agentJobKey, auditKey, messageKeys, projectIdFor } from '../../domain/ids.js';
import type { AgentJob } from '../../domain/jobs.js';
import { type Decision, PROJECT_LIST_CAPS, type Project, type StageRun } from '../../domain/project.js';
import type { View } from '../../domain/views.js';

import { DEFAULT_PROJECT_BUDGET_USD, type MachineSettings, type Transition } from './settings.js';
import { settleIfStuck } from './stages.js';
import { statusView } from './status.js';

/** A refusal only the person who asked sees; nothing else happens. */
export function ephemeral(key: string, userId: string, text: string): Effect {
  return { kind: 'ephemeral', key, userId, view: { type: 'notice', tone: 'warning', text } };
}

/**
 * One transition in progress: a copy of the project that the concern modules (clarify, plan, stages,
 * gates, budget, commands, forget, summary) change, and the effects they collect.
 */
export class Step {
  readonly effects: Effect[] = [];
  statusDirty = false;

  constructor(
    readonly project: Project,
    readonly settings: MachineSettings,
    /** The event being applied: what this step says is keyed by it, so a replay says nothing twice. */
    readonly eventId: string,
    /** The message that carried the command or the clicked button, for the audit trail. */
    readonly messageTs?: string,
  ) {}

  result(): Transition {
    if (this.project.phase === 'running') settleIfStuck(this);
    if (this.statusDirty && this.project.plan) {
      this.effects.push({
        kind: 'thread_message',
        key: messageKeys.status,
        mode: 'upsert',
        view: statusView(this.project),
      });
    }
    const p = this.project;
    if (p.decisions.length > PROJECT_LIST_CAPS.decisions)
      p.decisions = p.decisions.slice(-PROJECT_LIST_CAPS.decisions);
    const transcript = p.clarification.transcript;
    if (transcript.length > PROJECT_LIST_CAPS.transcript)
      p.clarification.transcript = transcript.slice(-PROJECT_LIST_CAPS.transcript);
    p.updatedAt = this.settings.now;
    return { project: p, effects: this.effects };
  }

  post(key: string, view: View): void {
    this.effects.push({ kind: 'thread_message', key, mode: 'post', view });
  }

  notice(key: string, tone: 'info' | 'warning' | 'error', text: string, detail?: string): void {
    this.post(key, { type: 'notice', tone, text, ...(detail ? { detail } : {}) });
  }

  refuse(key: string, userId: string, text: string): void {
    this.effects.push(ephemeral(messageKeys.reply('refusal', key), userId, text));
  }

  /** Checks a control against the actor; a refusal is said to them alone and nothing else happens. */
  permits(actor: Actor, control: Control, key: string): boolean {
    const permission = mayControl(
      this.project,
      actor,
      this.settings.approverIds,
      control,
      this.settings.approvals?.groupId,
    );
    if (!permission.allowed) this.refuse(key, actor.userId, permission.refusal);
    return permission.allowed;
  }

  /** A click on a message of another thread (a copied button value) is not about this project. */
  clickedHere(origin: { teamId: string; channelId: string; threadTs: string }): boolean {
    return projectIdFor(origin.teamId, origin.channelId, origin.threadTs) === this.project.id;
  }

  get stageList() {
    return this.project.plan?.stages ?? [];
  }

  setStage(stageId: string, patch: Partial<StageRun>): void {
    const run = this.project.stages[stageId];
    if (!run) return;
    this.project.stages[stageId] = { ...run, ...patch };
    this.statusDirty = true;
  }

  /** Hands model work to the agents; its key names the round or attempt, so a replay adds nothing. */
  modelWork(job: AgentJob): void {
    this.effects.push({ kind: 'agent_job', key: agentJobKey(job), job });
  }

  /** Records a person's action in the project's audit trail (written once, however often the effects replay). */
  audit(
    action: AuditEntry['action'],
    by: string,
    extra: { stageId?: string | undefined; note?: string | undefined; reason?: string | undefined } = {},
  ): void {
    const entry: AuditEntry = {
      at: this.settings.now,
      by,
      action,
      channelId: this.project.channelId,
      eventId: this.eventId,
      ...(this.messageTs ? { messageTs: this.messageTs } : {}),
      ...(extra.stageId ? { stageId: extra.stageId } : {}),
      ...(extra.note ? { note: extra.note } : {}),
      ...(extra.reason ? { reason: extra.reason } : {}),
    };
    this.effects.push({ kind: 'audit', key: auditKey(this.eventId, action), entry });
  }

  decide(kind: Decision['kind'], note: string, extra: { by?: string; stageId?: string } = {}): void {
    this.project.decisions.push({ at: this.settings.now, kind, note, ...extra });
  }

  budgetLimit(): number {
    return this.project.budget?.limitUsd ?? this.settings.projectBudgetUsd ?? DEFAULT_PROJECT_BUDGET_USD;
  }

  currentRun(stageId: string, attempt: number): StageRun | undefined {
    const run = this.project.stages[stageId];
    return run && run.attempt === attempt ? run : undefined;
  }
}
