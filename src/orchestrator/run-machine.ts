import type { AgentJob } from '../agents/jobs.js';
import { ROLE_IDS } from '../agents/roles.js';
import { parseThreadCommand } from './commands.js';
import type { Effect } from './effects.js';
import type { MessageEvent, OrchestratorEvent } from './events.js';
import { acceptTailoredPlan, defaultPlan, type Plan, planProblems, type TailoredPlan } from './plan.js';
import {
  ACTIVE_PHASES,
  type Decision,
  type ExecutiveSummary,
  newProject,
  type Project,
  type StageRun,
} from './project.js';
import { defaultRequirements } from './requirements.js';
import { runSettled, scheduleStages } from './schedule.js';
import { addUsage } from './usage.js';
import type { GateView, StatusView, View } from './views.js';

/**
 * The project manager's decisions, as one pure function: (project, event) → (project, effects).
 * No I/O here; `engine.ts` loads, stores and carries out the effects.
 */
export interface MachineSettings {
  approverIds: readonly string[];
  clarifyMaxRounds: number;
  projectConcurrency: number;
  now: number;
}

export interface Transition {
  /** Undefined when the event does not concern any project (a thread we do not run). */
  project: Project | undefined;
  effects: Effect[];
}

const STATUS_KEY = 'status';

export function applyEvent(
  current: Project | undefined,
  event: OrchestratorEvent,
  settings: MachineSettings,
): Transition {
  if (event.type === 'message') return onMessage(current, event, settings);
  if (!current) return { project: undefined, effects: [] };
  // A forgotten project keeps only its thread's coordinates: nothing more happens to it.
  if (current.phase === 'forgotten') return { project: undefined, effects: [] };
  const step = new Step(structuredClone(current), settings);
  switch (event.type) {
    case 'forget_decision':
      step.onForgetDecision(event.verdict, event.userId, event.confirmKey, event.eventId);
      break;
    case 'gate_decision':
      step.onGateDecision(event.stageId, event.verdict, event.userId, event.eventId);
      break;
    case 'clarify_done':
      step.onClarifyDone(event.round, event.output, event.usage);
      break;
    case 'clarify_failed':
      step.onClarifyFailed(event.round, event.error);
      break;
    case 'plan_done':
      step.onPlanDone(event.output, event.usage);
      break;
    case 'plan_failed':
      step.onPlanFailed(event.error);
      break;
    case 'stage_started':
      step.onStageStarted(event.stageId, event.attempt);
      break;
    case 'stage_done':
      step.onStageDone(event);
      break;
    case 'stage_failed':
      step.onStageFailed(event.stageId, event.attempt, event.error);
      break;
    case 'summary_done':
      step.onSummary(event.summary, event.usage);
      break;
    case 'summary_failed':
      step.onSummaryFailed(event.error);
      break;
  }
  return step.result();
}

function onMessage(current: Project | undefined, event: MessageEvent, settings: MachineSettings): Transition {
  if (!current) {
    if (!event.addressed) return { project: undefined, effects: [] };
    const project = newProject({
      teamId: event.teamId,
      channelId: event.channelId,
      threadTs: event.threadTs,
      requesterId: event.userId,
      request: parseThreadCommand(event.text).kind === 'text' ? stripForRequest(event.text) : event.text,
      visibility: event.visibility,
      now: settings.now,
    });
    const step = new Step(project, settings);
    step.post('welcome', { type: 'welcome', requesterId: event.userId });
    step.askClarification();
    return step.result();
  }
  if (current.phase === 'forgotten') {
    if (!event.addressed && parseThreadCommand(event.text).kind !== 'status')
      return { project: undefined, effects: [] };
    const step = new Step(structuredClone(current), settings);
    step.post(`forgotten.${event.eventId}`, {
      type: 'notice',
      tone: 'info',
      text: "This project was forgotten at its requester's request. Mention me in a new message to start another.",
    });
    return step.result();
  }
  const step = new Step(structuredClone(current), settings);
  step.onThreadMessage(event);
  return step.result();
}

function stripForRequest(text: string): string {
  return text
    .replace(/<@[A-Z0-9]+(?:\|[^>]*)?>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Whether `userId` may decide a gated stage of `project`. Decided here, in code, never by a model. */
export function canApprove(project: Project, userId: string, approverIds: readonly string[]): boolean {
  return approverIds.length > 0 ? approverIds.includes(userId) : userId === project.requesterId;
}

export function statusView(project: Project): StatusView {
  const plan = project.plan;
  return {
    type: 'status',
    phase: project.phase,
    stages: (plan?.stages ?? []).map((s) => {
      const run = project.stages[s.id];
      return {
        id: s.id,
        role: s.role,
        phase: s.phase,
        state: run?.state ?? 'pending',
        needsApproval: s.needsApproval,
        ...(run?.summary ? { summary: run.summary } : {}),
        ...(run?.error ? { error: run.error } : {}),
        ...(run?.degraded ? { degraded: true } : {}),
      };
    }),
    usage: project.usage,
    ...(project.stopReason ? { stopReason: project.stopReason } : {}),
  };
}

/** A summary built from the stage notes alone, for when the model cannot write one. */
export function fallbackSummary(project: Project): ExecutiveSummary {
  return {
    outcome: 'unchecked',
    headline: `Every stage has finished for: ${project.requirements?.objective ?? project.request}`.slice(
      0,
      400,
    ),
    deliverables: (project.plan?.stages ?? []).map((s) => {
      const run = project.stages[s.id];
      return { stageId: s.id, line: (run?.summary ?? run?.state ?? 'not run').slice(0, 400) };
    }),
    criteria: [],
    risks: [
      'The deliverables were not checked against the success criteria: the model could not write the summary.',
    ],
    nextSteps: ['Review each deliverable in the attached report.'],
  };
}

/** One transition in progress: mutates its own copy of the project and collects effects. */
class Step {
  private readonly effects: Effect[] = [];
  private statusDirty = false;

  constructor(
    private readonly project: Project,
    private readonly settings: MachineSettings,
  ) {}

  result(): Transition {
    if (this.statusDirty && this.project.plan) {
      this.effects.push({
        kind: 'thread_message',
        key: STATUS_KEY,
        mode: 'upsert',
        view: statusView(this.project),
      });
    }
    this.project.updatedAt = this.settings.now;
    return { project: this.project, effects: this.effects };
  }

  post(key: string, view: View): void {
    this.effects.push({ kind: 'thread_message', key, mode: 'post', view });
  }

  private notice(key: string, tone: 'info' | 'warning' | 'error', text: string): void {
    this.post(key, { type: 'notice', tone, text });
  }

  private get stageList() {
    return this.project.plan?.stages ?? [];
  }

  private setStage(stageId: string, patch: Partial<StageRun>): void {
    const run = this.project.stages[stageId];
    if (!run) return;
    this.project.stages[stageId] = { ...run, ...patch };
    this.statusDirty = true;
  }

  // ── Clarification ─────────────────────────────────────────────────────────────────────────────

  askClarification(): void {
    const c = this.project.clarification;
    c.round += 1;
    c.inFlight = true;
    c.unseenAnswers = 0;
    this.modelWork(`clarify.${c.round}`, { kind: 'clarify', projectId: this.project.id, round: c.round });
  }

  /** Hands model work to the agents; `key` is unique per piece of work, so a replay adds nothing. */
  private modelWork(key: string, job: AgentJob): void {
    this.effects.push({ kind: 'agent_job', key, job });
  }

  onClarifyDone(
    round: number,
    output: NonNullable<Project['clarification']['last']>,
    usage: Project['usage'],
  ): void {
    const c = this.project.clarification;
    if (this.project.phase !== 'clarifying' || round !== c.round || !c.inFlight) return;
    c.inFlight = false;
    c.last = output;
    this.project.usage = addUsage(this.project.usage, usage);
    const lastRound = round >= this.settings.clarifyMaxRounds;
    if (output.ready || c.goRequested || lastRound || output.questions.length === 0) {
      this.startRun(!output.ready);
      return;
    }
    if (c.unseenAnswers > 0) {
      this.askClarification();
      return;
    }
    c.transcript.push({ from: 'project-manager', text: output.questions.join('\n'), at: this.settings.now });
    this.post(`questions.${round}`, {
      type: 'questions',
      round,
      maxRounds: this.settings.clarifyMaxRounds,
      questions: output.questions,
      assumptions: output.assumptions,
    });
  }

  onClarifyFailed(round: number, error: string): void {
    const c = this.project.clarification;
    if (this.project.phase !== 'clarifying' || round !== c.round || !c.inFlight) return;
    c.inFlight = false;
    this.notice(
      `clarify-failed.${round}`,
      'warning',
      `I could not get usable clarification from the model (${error}). I will go ahead with the defaults shown in the plan; say \`cancel\` to stop.`,
    );
    this.startRun(true);
  }

  /** Requirements are settled: record them and ask the project manager to tailor the plan. */
  private startRun(defaultsUsed: boolean): void {
    const last = this.project.clarification.last;
    this.project.requirements = last?.requirements ?? defaultRequirements(this.project.request);
    this.project.defaultsUsed = defaultsUsed;
    if (defaultsUsed) this.decide('defaults', 'went ahead with stated defaults for what was not answered');
    this.project.phase = 'planning';
    this.statusDirty = true;
    this.requestPlan();
  }

  /** Asks the project manager to tailor the plan; keyed by the decision count so a re-plan is a new job. */
  private requestPlan(): void {
    this.modelWork(`plan.${this.project.decisions.length}`, { kind: 'plan', projectId: this.project.id });
  }

  onPlanDone(output: TailoredPlan, usage: Project['usage']): void {
    if (this.project.phase !== 'planning') return;
    this.project.usage = addUsage(this.project.usage, usage);
    const { plan, problems } = acceptTailoredPlan(output);
    if (problems.length > 0) {
      this.useDefaultPlan(`the tailored plan was invalid (${problems.slice(0, 5).join('; ')})`);
      return;
    }
    this.decide('plan', output.rationale);
    this.beginRun(plan, output.rationale);
  }

  onPlanFailed(error: string): void {
    if (this.project.phase !== 'planning') return;
    this.useDefaultPlan(`the model could not tailor a plan (${error})`);
  }

  private useDefaultPlan(why: string): void {
    this.decide('plan_fallback', why);
    this.notice('plan-fallback', 'warning', `Using the default plan: ${why}.`);
    const requirements = this.project.requirements ?? defaultRequirements(this.project.request);
    this.beginRun(defaultPlan(requirements), `Default four-phase plan: ${why}.`);
  }

  private beginRun(plan: Plan, rationale: string): void {
    const problems = planProblems(plan);
    if (problems.length > 0) {
      this.project.phase = 'failed';
      this.project.stopReason = `the plan is invalid: ${problems.join('; ')}`;
      this.notice('plan-invalid', 'error', `I could not make a valid plan: ${problems.join('; ')}.`);
      return;
    }
    const requirements = this.project.requirements ?? defaultRequirements(this.project.request);
    this.project.plan = plan;
    this.project.planRationale = rationale;
    this.project.phase = 'running';
    this.project.stages = Object.fromEntries(
      plan.stages.map((s) => [s.id, { state: 'pending', attempt: 1 }]),
    );
    this.post('plan', {
      type: 'plan',
      plan,
      requirements,
      assumptions: this.project.clarification.last?.assumptions ?? [],
      defaultsUsed: this.project.defaultsUsed ?? false,
      rationale,
    });
    this.statusDirty = true;
    this.advance();
  }

  private decide(kind: Decision['kind'], note: string, extra: { by?: string; stageId?: string } = {}): void {
    this.project.decisions.push({ at: this.settings.now, kind, note, ...extra });
  }

  // ── Thread messages and commands ──────────────────────────────────────────────────────────────

  onThreadMessage(event: MessageEvent): void {
    const command = parseThreadCommand(event.text);
    const key = event.eventId;
    switch (command.kind) {
      case 'status':
        this.post(`status-reply.${key}`, statusView(this.project));
        return;
      case 'cancel':
        this.cancel(event.userId, key);
        return;
      case 'go':
        this.go(key);
        return;
      case 'resume':
        this.resume(event.userId, key);
        return;
      case 'retry':
        this.retry(command.stage, event.userId, key);
        return;
      case 'forget':
        this.askForget(event.userId, key);
        return;
      case 'memory':
        this.memoryReport(command.role, event.userId, key);
        return;
      case 'text':
        this.onText(event, command.text, key);
        return;
    }
  }

  private onText(event: MessageEvent, text: string, key: string): void {
    const c = this.project.clarification;
    if (this.project.phase === 'clarifying' && event.userId === this.project.requesterId) {
      c.transcript.push({ from: 'requester', text, at: this.settings.now });
      if (c.inFlight) c.unseenAnswers += 1;
      else this.askClarification();
      return;
    }
    if (event.addressed) {
      this.notice(
        `help.${key}`,
        'info',
        'In this thread I understand `status`, `cancel`, `retry <stage>`, `resume` and, while I am asking questions, `go`.',
      );
    }
  }

  private go(key: string): void {
    const c = this.project.clarification;
    if (this.project.phase !== 'clarifying') {
      this.notice(
        `go.${key}`,
        'info',
        `The run is already ${this.project.phase}; \`go\` only skips questions.`,
      );
      return;
    }
    if (c.inFlight) {
      c.goRequested = true;
      return;
    }
    this.startRun(true);
  }

  private cancel(userId: string, key: string): void {
    if (!ACTIVE_PHASES.includes(this.project.phase)) {
      this.notice(`cancel.${key}`, 'info', `Nothing to cancel: the run is ${this.project.phase}.`);
      return;
    }
    let neverStarted = 0;
    let abandoned = 0;
    for (const stage of this.stageList) {
      const run = this.project.stages[stage.id];
      if (!run) continue;
      if (run.state === 'pending' || run.state === 'queued' || run.state === 'awaiting_approval') {
        neverStarted += 1;
        if (run.state === 'awaiting_approval') this.closeGate(stage.id, 'the run was cancelled');
        this.setStage(stage.id, { state: 'cancelled', finishedAt: this.settings.now });
      } else if (run.state === 'running') {
        abandoned += 1;
        this.setStage(stage.id, {
          state: 'cancelled',
          finishedAt: this.settings.now,
          error: 'abandoned by cancel',
        });
      }
    }
    this.project.clarification.inFlight = false;
    this.project.phase = 'cancelled';
    this.decide('cancel', `cancelled by <@${userId}>`, { by: userId });
    this.project.stopReason = `cancelled by <@${userId}>`;
    this.statusDirty = true;
    const parts = [`Cancelled by <@${userId}>.`];
    if (this.project.plan)
      parts.push(`${neverStarted} stage(s) will not start; ${abandoned} running stage(s) abandoned.`);
    parts.push('Say `resume` to pick up where it stopped.');
    this.notice(`cancel.${key}`, 'warning', parts.join(' '));
  }

  private resume(userId: string, key: string): void {
    const phase = this.project.phase;
    if (phase !== 'stopped' && phase !== 'failed' && phase !== 'cancelled') {
      this.notice(`resume.${key}`, 'info', `Nothing to resume: the run is ${phase}.`);
      return;
    }
    if (!this.project.plan) {
      this.project.stopReason = undefined;
      this.decide('resume', `resumed by <@${userId}> before a plan existed`, { by: userId });
      if (this.project.requirements) {
        // Stopped while the plan was being tailored: tailor it again.
        this.project.phase = 'planning';
        this.notice(`resume.${key}`, 'info', `Resumed by <@${userId}>: making the plan.`);
        this.requestPlan();
      } else {
        this.project.phase = 'clarifying';
        this.notice(`resume.${key}`, 'info', `Resumed by <@${userId}>: back to the questions.`);
        this.askClarification();
      }
      return;
    }
    for (const stage of this.stageList) {
      const run = this.project.stages[stage.id];
      if (!run || run.state === 'done' || run.state === 'running' || run.state === 'queued') continue;
      const restarted = run.state !== 'pending' && run.state !== 'awaiting_approval';
      const { decision: _dropped, error: _error, ...rest } = run;
      this.project.stages[stage.id] = {
        ...rest,
        state: 'pending',
        attempt: restarted ? run.attempt + 1 : run.attempt,
      };
    }
    this.project.phase = 'running';
    this.project.stopReason = undefined;
    this.statusDirty = true;
    this.decide('resume', `resumed by <@${userId}>`, { by: userId });
    this.notice(`resume.${key}`, 'info', `Resumed by <@${userId}>.`);
    this.advance();
  }

  private retry(stageRef: string, userId: string, key: string): void {
    const stage = this.stageList.find((s) => s.id === stageRef || s.role === stageRef);
    const run = stage ? this.project.stages[stage.id] : undefined;
    if (!stage || !run) {
      const known = this.stageList.map((s) => `\`${s.id}\``).join(', ') || 'none yet';
      this.notice(`retry.${key}`, 'warning', `There is no stage \`${stageRef}\`. Stages: ${known}.`);
      return;
    }
    if (run.state !== 'failed' && run.state !== 'rejected' && run.state !== 'cancelled') {
      this.notice(
        `retry.${key}`,
        'info',
        `\`${stage.id}\` is ${run.state.replace('_', ' ')}; only a failed, rejected or cancelled stage can be retried.`,
      );
      return;
    }
    const { decision: _dropped, error: _error, ...rest } = run;
    this.project.stages[stage.id] = { ...rest, state: 'pending', attempt: run.attempt + 1 };
    if (!ACTIVE_PHASES.includes(this.project.phase)) {
      this.project.phase = 'running';
      this.project.stopReason = undefined;
    }
    this.statusDirty = true;
    this.decide('retry', `retry ${stage.id} (attempt ${run.attempt + 1}) asked by <@${userId}>`, {
      by: userId,
      stageId: stage.id,
    });
    this.notice(
      `retry.${key}`,
      'info',
      `Retrying \`${stage.id}\` (attempt ${run.attempt + 1}), asked by <@${userId}>.`,
    );
    this.advance();
  }

  // ── Memory and privacy ────────────────────────────────────────────────────────────────────────

  private memoryReport(roleRef: string, userId: string, key: string): void {
    const role = ROLE_IDS.find((r) => r === roleRef);
    if (!role) {
      this.notice(
        `memory.${key}`,
        'warning',
        `There is no role \`${roleRef}\`. Roles: ${ROLE_IDS.map((r) => `\`${r}\``).join(', ')}.`,
      );
      return;
    }
    this.effects.push({ kind: 'memory_report', key: `memory.${key}`, role, userId });
  }

  private mayForget(userId: string): boolean {
    return userId === this.project.requesterId || this.settings.approverIds.includes(userId);
  }

  private askForget(userId: string, key: string): void {
    if (!this.mayForget(userId)) {
      this.effects.push({
        kind: 'ephemeral',
        key: `refusal.${key}`,
        userId,
        view: {
          type: 'notice',
          tone: 'warning',
          text: `Only <@${this.project.requesterId}> or an approver can make me forget this project.`,
        },
      });
      return;
    }
    this.post(`forget.${key}`, {
      type: 'forget_confirm',
      projectId: this.project.id,
      confirmKey: `forget.${key}`,
      askedBy: userId,
    });
  }

  onForgetDecision(verdict: 'forget' | 'keep', userId: string, confirmKey: string, key: string): void {
    const refuse = (text: string) =>
      this.effects.push({
        kind: 'ephemeral',
        key: `refusal.${key}`,
        userId,
        view: { type: 'notice', tone: 'warning', text },
      });
    if (!this.mayForget(userId)) {
      refuse(`Only <@${this.project.requesterId}> or an approver can decide this. Nothing changed.`);
      return;
    }
    const decision = {
      verdict: verdict === 'forget' ? ('forgotten' as const) : ('kept' as const),
      by: userId,
      at: this.settings.now,
    };
    this.effects.push({
      kind: 'thread_message',
      key: confirmKey,
      mode: 'upsert',
      view: { type: 'forget_confirm', projectId: this.project.id, confirmKey, askedBy: userId, decision },
    });
    if (verdict === 'keep') return;

    // Stop whatever runs, close open gates, then keep nothing but the thread's coordinates.
    const deliverables: Array<{ stageId: string; attempt: number }> = [];
    for (const stage of this.stageList) {
      const run = this.project.stages[stage.id];
      if (!run) continue;
      if (run.state === 'awaiting_approval') this.closeGate(stage.id, 'the project was forgotten');
      for (let attempt = 1; attempt <= run.attempt; attempt++)
        deliverables.push({ stageId: stage.id, attempt });
    }
    const p = this.project;
    p.phase = 'forgotten';
    p.request = '';
    p.clarification = {
      round: p.clarification.round,
      inFlight: false,
      goRequested: false,
      unseenAnswers: 0,
      transcript: [],
    };
    p.requirements = undefined;
    p.defaultsUsed = undefined;
    p.plan = undefined;
    p.planRationale = undefined;
    p.stages = {};
    p.summary = undefined;
    p.stopReason = undefined;
    p.decisions = [{ at: this.settings.now, kind: 'forget', by: userId, note: `forgotten by <@${userId}>` }];
    this.effects.push({ kind: 'forget', key: `forget.${key}`, deliverables, userId });
  }

  // ── Gates ─────────────────────────────────────────────────────────────────────────────────────

  private gateView(stageId: string): GateView | undefined {
    const stage = this.stageList.find((s) => s.id === stageId);
    if (!stage) return undefined;
    const run = this.project.stages[stageId];
    return {
      type: 'gate',
      projectId: this.project.id,
      stageId,
      attempt: run?.attempt ?? 1,
      gateRound: run?.gateRound ?? 1,
      role: stage.role,
      task: stage.task,
      basis: stage.reads.map((dep) => ({ stageId: dep, summary: this.project.stages[dep]?.summary ?? '' })),
      approverIds:
        this.settings.approverIds.length > 0 ? [...this.settings.approverIds] : [this.project.requesterId],
      ...(run?.decision ? { decision: run.decision } : {}),
    };
  }

  private gateKey(stageId: string): string {
    return `gate.${stageId}.${this.project.stages[stageId]?.attempt ?? 1}`;
  }

  private closeGate(stageId: string, reason: string): void {
    const view = this.gateView(stageId);
    if (view) {
      this.effects.push({
        kind: 'thread_message',
        key: this.gateKey(stageId),
        mode: 'upsert',
        view: { ...view, closedReason: reason },
      });
    }
  }

  onGateDecision(stageId: string, verdict: 'approve' | 'reject', userId: string, key: string): void {
    const run = this.project.stages[stageId];
    const refuse = (text: string) =>
      this.effects.push({
        kind: 'ephemeral',
        key: `refusal.${key}`,
        userId,
        view: { type: 'notice', tone: 'warning', text },
      });
    if (!run) {
      refuse('That approval request belongs to a plan that no longer exists.');
      return;
    }
    if (run.state !== 'awaiting_approval') {
      refuse(
        run.decision
          ? `\`${stageId}\` was already ${run.decision.verdict} by <@${run.decision.by}>; nothing changed.`
          : `\`${stageId}\` is not waiting for approval (it is ${run.state.replace('_', ' ')}); nothing changed.`,
      );
      return;
    }
    if (!canApprove(this.project, userId, this.settings.approverIds)) {
      const who =
        this.settings.approverIds.length > 0 ? this.settings.approverIds : [this.project.requesterId];
      refuse(
        `Only ${who.map((id) => `<@${id}>`).join(', ')} can approve or reject \`${stageId}\`. Nothing changed.`,
      );
      return;
    }
    const decision = {
      verdict: verdict === 'approve' ? ('approved' as const) : ('rejected' as const),
      by: userId,
      at: this.settings.now,
    };
    this.decide(decision.verdict, `${decision.verdict} by <@${userId}>`, { by: userId, stageId });
    if (verdict === 'approve') {
      this.setStage(stageId, { state: 'pending', decision });
      this.effects.push({
        kind: 'thread_message',
        key: this.gateKey(stageId),
        mode: 'upsert',
        view: { ...(this.gateView(stageId) as GateView), decision },
      });
      this.advance();
      return;
    }
    this.setStage(stageId, { state: 'rejected', decision, finishedAt: this.settings.now });
    this.effects.push({
      kind: 'thread_message',
      key: this.gateKey(stageId),
      mode: 'upsert',
      view: { ...(this.gateView(stageId) as GateView), decision },
    });
    for (const stage of this.stageList) {
      if (stage.id !== stageId && this.project.stages[stage.id]?.state === 'awaiting_approval') {
        this.closeGate(stage.id, 'the run stopped after a rejection');
        this.setStage(stage.id, { state: 'pending' });
      }
    }
    this.project.phase = 'stopped';
    this.project.stopReason = `${stageId} rejected by <@${userId}>`;
    this.parkQueuedStages();
    this.statusDirty = true;
    this.notice(
      `rejected.${stageId}.${run.attempt}`,
      'warning',
      `<@${userId}> rejected \`${stageId}\`, so the run has stopped and nothing was deployed. Say \`retry ${stageId}\` to ask for approval again.`,
    );
  }

  // ── Stage results ─────────────────────────────────────────────────────────────────────────────

  private currentRun(stageId: string, attempt: number): StageRun | undefined {
    const run = this.project.stages[stageId];
    return run && run.attempt === attempt ? run : undefined;
  }

  onStageStarted(stageId: string, attempt: number): void {
    const run = this.currentRun(stageId, attempt);
    if (run?.state !== 'queued') return;
    this.setStage(stageId, { state: 'running', startedAt: this.settings.now });
  }

  onStageDone(event: Extract<OrchestratorEvent, { type: 'stage_done' }>): void {
    const { stageId, attempt, summary, usage } = event;
    const run = this.currentRun(stageId, attempt);
    if (!run || (run.state !== 'queued' && run.state !== 'running')) return;
    const stage = this.stageList.find((s) => s.id === stageId);
    this.project.usage = addUsage(this.project.usage, usage);
    this.setStage(stageId, {
      state: 'done',
      summary,
      usage,
      model: event.model,
      degraded: event.degraded,
      jobAttempts: event.jobAttempts,
      finishedAt: this.settings.now,
    });
    if (event.degraded)
      this.decide('fallback_model', `produced by the fallback model ${event.model}`, { stageId });
    this.post(`note.${stageId}.${attempt}`, {
      type: 'stage_note',
      stageId,
      role: stage?.role ?? stageId,
      outcome: 'done',
      text: summary,
      ...(event.degraded ? { fallbackModel: event.model } : {}),
    });
    this.advance();
  }

  onStageFailed(stageId: string, attempt: number, error: string): void {
    const run = this.currentRun(stageId, attempt);
    if (!run || (run.state !== 'queued' && run.state !== 'running')) return;
    const stage = this.stageList.find((s) => s.id === stageId);
    this.setStage(stageId, { state: 'failed', error, finishedAt: this.settings.now });
    const goesOn = stage?.onFailure === 'continue' && this.project.phase === 'running';
    const skipped = goesOn ? this.skipDependents(stageId) : [];
    const next = goesOn
      ? `The plan goes on without it${skipped.length > 0 ? `; skipped: ${skipped.map((id) => `\`${id}\``).join(', ')}` : ''}.`
      : 'The run has stopped here.';
    this.post(`note.${stageId}.${attempt}`, {
      type: 'stage_note',
      stageId,
      role: stage?.role ?? stageId,
      outcome: 'failed',
      text: `${error}\n${next} Say \`retry ${stageId}\` to try again.`,
    });
    if (goesOn) {
      this.advance();
    } else if (this.project.phase === 'running') {
      this.project.phase = 'failed';
      this.project.stopReason = `${stageId} failed`;
      this.parkQueuedStages();
    }
  }

  /**
   * The run stopped: stages handed to the queue but not started go back to pending with a new attempt,
   * so their queued jobs are dropped unrun (worker's attempt check) and `resume` starts them afresh.
   */
  private parkQueuedStages(): void {
    for (const stage of this.stageList) {
      const run = this.project.stages[stage.id];
      if (run?.state === 'queued') this.setStage(stage.id, { state: 'pending', attempt: run.attempt + 1 });
    }
  }

  /** Marks every pending stage that (transitively) reads `failedId` as skipped; returns their ids. */
  private skipDependents(failedId: string): string[] {
    const skipped: string[] = [];
    const blocked = new Set([failedId]);
    for (const stage of this.stageList) {
      if (!stage.reads.some((dep) => blocked.has(dep))) continue;
      blocked.add(stage.id);
      const run = this.project.stages[stage.id];
      if (run?.state === 'pending' || run?.state === 'awaiting_approval') {
        if (run.state === 'awaiting_approval') this.closeGate(stage.id, `${failedId} failed`);
        this.setStage(stage.id, { state: 'skipped', error: `skipped: ${failedId} failed` });
        skipped.push(stage.id);
      }
    }
    return skipped;
  }

  private advance(): void {
    const plan = this.project.plan;
    if (!plan || this.project.phase !== 'running') return;
    const decision = scheduleStages(plan, this.project.stages, this.settings.projectConcurrency);
    for (const stageId of decision.toGate) {
      this.setStage(stageId, { state: 'awaiting_approval' });
      const view = this.gateView(stageId);
      if (view) this.post(this.gateKey(stageId), view);
    }
    for (const stageId of decision.toQueue) {
      const run = this.project.stages[stageId];
      if (!run) continue;
      this.setStage(stageId, { state: 'queued', queuedAt: this.settings.now });
      this.modelWork(`stage.${stageId}.${run.attempt}`, {
        kind: 'stage',
        projectId: this.project.id,
        stageId,
        attempt: run.attempt,
      });
    }
    if (runSettled(plan, this.project.stages)) {
      this.project.phase = 'summarizing';
      this.statusDirty = true;
      this.modelWork(`summary.${this.project.decisions.length}`, {
        kind: 'summary',
        projectId: this.project.id,
      });
    }
  }

  // ── Finish ────────────────────────────────────────────────────────────────────────────────────

  onSummary(summary: ExecutiveSummary, usage: Project['usage']): void {
    if (this.project.phase !== 'summarizing') return;
    this.project.usage = addUsage(this.project.usage, usage);
    this.finish(summary);
  }

  onSummaryFailed(error: string): void {
    if (this.project.phase !== 'summarizing') return;
    this.notice(
      'summary-failed',
      'warning',
      `The model could not write the summary (${error}); here is one from the stage notes.`,
    );
    this.finish(fallbackSummary(this.project));
  }

  private finish(summary: ExecutiveSummary): void {
    this.project.phase = 'completed';
    this.project.summary = summary;
    this.statusDirty = true;
    const runs = this.stageList.map((s) => ({ id: s.id, run: this.project.stages[s.id] }));
    this.post(`summary.${this.project.decisions.length}`, {
      type: 'summary',
      summary,
      usage: this.project.usage,
      stageCount: runs.length,
      degradedStages: runs.filter((r) => r.run?.degraded).map((r) => r.id),
      failedStages: runs
        .filter((r) => r.run?.state === 'failed' || r.run?.state === 'skipped')
        .map((r) => r.id),
    });
    this.effects.push({ kind: 'report', key: `report.${this.project.decisions.length}` });
  }
}
