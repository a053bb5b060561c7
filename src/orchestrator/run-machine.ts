import { assertNever } from '../domain/assert-never.js';
import {
  type Actor,
  approversOf,
  type Control,
  isRequester,
  mayApprove,
  mayControl,
} from '../domain/authority.js';
import { parseThreadCommand, stripMentions } from '../domain/commands.js';
import type { Effect } from '../domain/effects.js';
import type { Attachment, MessageEvent, OrchestratorEvent } from '../domain/events.js';
import { agentJobKey, messageKeys, projectIdFor } from '../domain/ids.js';
import type { AgentJob } from '../domain/jobs.js';
import { isActive, isResumable, staleReason } from '../domain/phases.js';
import {
  acceptTailoredPlan,
  defaultPlan,
  type Plan,
  planProblems,
  type TailoredPlan,
} from '../domain/plan.js';
import {
  type BudgetHold,
  type Decision,
  type ExecutiveSummary,
  newProject,
  PROJECT_LIST_CAPS,
  type Project,
  type StageRun,
} from '../domain/project.js';
import { defaultRequirements } from '../domain/requirements.js';
import { ROLE_IDS } from '../domain/roles.js';
import { runSettled, scheduleStages } from '../domain/schedule.js';
import { type ForecastSettings, forecastPlan, spentOnWhat } from '../domain/spending.js';
import { addUsage } from '../domain/usage.js';
import type { GateView, StatusView, View } from '../domain/views.js';

/**
 * The project manager's decisions, as one pure function: (project, event) → (project, effects).
 * No I/O here; `engine.ts` loads, stores and carries out the effects.
 */
export interface MachineSettings {
  approverIds: readonly string[];
  clarifyMaxRounds: number;
  projectConcurrency: number;
  now: number;
  /** What a new project may spend on the model (PROJECT_BUDGET_USD). Default 10. */
  projectBudgetUsd?: number;
  /** What a workspace may spend in a UTC day (WORKSPACE_DAILY_BUDGET_USD); Raise budget adds it again. Default 100. */
  workspaceDailyBudgetUsd?: number;
  /** Prices and prompt sizes the plan's cost forecast is made from; no forecast without them. */
  forecast?: ForecastSettings;
  /** Open projects one person may have at once (MAX_OPEN_PROJECTS_PER_USER). Default 5. */
  maxOpenProjectsPerUser?: number;
}

/** What the engine looked up for this event: facts the pure machine cannot read itself. */
export interface MachineContext {
  /** The author's open projects in this workspace, for a message that could open a new one. */
  openProjects?: ReadonlyArray<Pick<Project, 'id' | 'channelId' | 'threadTs' | 'request' | 'phase'>>;
}

export const DEFAULT_PROJECT_BUDGET_USD = 10;
export const DEFAULT_WORKSPACE_DAILY_BUDGET_USD = 100;
export const DEFAULT_MAX_OPEN_PROJECTS_PER_USER = 5;

/** Largest text file read into a request; longer ones are cut, with a note saying so. */
const ATTACHMENT_CHARS = 20_000;

export interface Transition {
  /** Undefined when the event does not concern any project (a thread we do not run, a refused request). */
  project: Project | undefined;
  effects: Effect[];
}

export function applyEvent(
  current: Project | undefined,
  event: OrchestratorEvent,
  settings: MachineSettings,
  context: MachineContext = {},
): Transition {
  if (event.type === 'message') return onMessage(current, event, settings, context);
  if (!current) return { project: undefined, effects: [] };
  // A forgotten project keeps only its thread's coordinates: nothing more happens to it.
  if (current.phase === 'forgotten') return { project: undefined, effects: [] };
  const step = new Step(structuredClone(current), settings, event.eventId);
  switch (event.type) {
    case 'forget_decision':
      step.onForgetDecision(event);
      break;
    case 'gate_decision':
      step.onGateDecision(event);
      break;
    case 'budget_decision':
      step.onBudgetDecision(event);
      break;
    case 'budget_exceeded':
      step.onBudgetExceeded(event);
      break;
    case 'clarify_done':
      step.onClarifyDone(event.round, event.output, event.usage);
      break;
    case 'clarify_failed':
      step.onClarifyFailed(event.round, event.error);
      break;
    case 'plan_done':
      step.onPlanDone(event.round, event.output, event.usage);
      break;
    case 'plan_failed':
      step.onPlanFailed(event.round, event.error);
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
      step.onSummary(event.round, event.summary, event.usage);
      break;
    case 'summary_failed':
      step.onSummaryFailed(event.round, event.error);
      break;
    default:
      return assertNever(event);
  }
  return step.result();
}

/** A refusal only the person who asked sees; nothing else happens. */
function ephemeral(key: string, userId: string, text: string): Effect {
  return { kind: 'ephemeral', key, userId, view: { type: 'notice', tone: 'warning', text } };
}

const HELP_TEXT =
  'In a project thread I understand: `status` (anyone), `help`, and for the requester and approvers `cancel`, `resume`, `retry <stage>`, `forget`, `memory <role>`, and, while I am asking questions, `go` to use the defaults. Mention me with a request in a channel, or write it to me in a direct message, to start a project.';

function onMessage(
  current: Project | undefined,
  event: MessageEvent,
  settings: MachineSettings,
  context: MachineContext,
): Transition {
  if (!current) return openProject(event, settings, context);
  if (current.phase === 'forgotten') {
    if (!event.addressed && parseThreadCommand(event.text).kind !== 'status')
      return { project: undefined, effects: [] };
    const step = new Step(structuredClone(current), settings, event.eventId);
    step.post(messageKeys.reply('forgotten', event.eventId), {
      type: 'notice',
      tone: 'info',
      text: "This project was forgotten at its requester's request. Mention me in a new message to start another.",
    });
    return step.result();
  }
  const step = new Step(structuredClone(current), settings, event.eventId);
  step.onThreadMessage(event);
  return step.result();
}

/** A message in a thread we do not run yet: opens a project when it is a request that may open one. */
function openProject(event: MessageEvent, settings: MachineSettings, context: MachineContext): Transition {
  if (!event.addressed) return { project: undefined, effects: [] };
  const refuse = (text: string): Transition => ({
    project: undefined,
    effects: [ephemeral(messageKeys.reply('refusal', event.eventId), event.userId, text)],
  });
  const command = parseThreadCommand(event.text);
  // A command outside a project thread (in a DM, or a mention starting a thread) is not a request.
  if (command.kind !== 'text') {
    const open = context.openProjects ?? [];
    const listed =
      open.length > 0
        ? ` Your open projects: ${open.map((p) => describeOpenProject(p)).join('; ')}. Ask in their threads.`
        : '';
    return refuse(
      `\`${command.kind}\` works inside a project's thread. To start a project, describe what you need, for example "build a churn model for our subscription data and serve it behind an API".${listed}`,
    );
  }
  const empty = stripMentions(event.text).length === 0 && !event.attachments?.length;
  if (empty) {
    return refuse(
      'Tell me what you need in the same message, for example "@Pipewright build a churn model for our subscription data and serve it behind an API".',
    );
  }
  const actor: Actor = event;
  if (actor.userTeamId !== undefined && actor.userTeamId !== event.teamId) {
    return refuse(
      'Projects are opened by members of the workspace that runs me; members of other organisations in a shared channel can follow them. Nothing was started.',
    );
  }
  if (actor.userKind === 'guest')
    return refuse('Guests cannot open projects here; ask a member of the workspace. Nothing was started.');
  if (actor.userKind === 'unknown') {
    return refuse(
      'I could not confirm your account with Slack just now, so I did not start a project. Try again in a minute.',
    );
  }
  const cap = settings.maxOpenProjectsPerUser ?? DEFAULT_MAX_OPEN_PROJECTS_PER_USER;
  const open = (context.openProjects ?? []).filter(
    (p) => p.id !== projectIdFor(event.teamId, event.channelId, event.threadTs),
  );
  if (open.length >= cap) {
    return refuse(
      `You already have ${open.length} open projects, the most one person may have at once (${cap}): ${open.map((p) => describeOpenProject(p)).join('; ')}. Finish, \`cancel\` or \`forget\` one of them, then ask again. Nothing was started.`,
    );
  }
  const project = newProject({
    teamId: event.teamId,
    channelId: event.channelId,
    threadTs: event.threadTs,
    requesterId: event.userId,
    request: requestText(event.text, event.attachments),
    visibility: event.visibility,
    now: settings.now,
  });
  const base = settings.projectBudgetUsd ?? DEFAULT_PROJECT_BUDGET_USD;
  project.budget = { limitUsd: base, baseUsd: base };
  const step = new Step(project, settings, event.eventId);
  step.post(messageKeys.welcome, { type: 'welcome', requesterId: event.userId });
  step.askClarification();
  return step.result();
}

/** "“build a churn model…” in <#C1>": how a refusal names an open project (links need no lookup). */
function describeOpenProject(p: Pick<Project, 'channelId' | 'request' | 'phase'>): string {
  const title = p.request.length > 60 ? `${p.request.slice(0, 59)}…` : p.request;
  return `“${title}” in <#${p.channelId}> (${p.phase})`;
}

/** The request as the project manager reads it: the words without mentions, then each attached file. */
function requestText(text: string, attachments: readonly Attachment[] | undefined): string {
  const words = stripMentions(text);
  const files = (attachments ?? []).map((a) => {
    if (a.content === undefined)
      return `Attached file: ${a.name} (not a text file I can read, or too large).`;
    const cut = a.content.length > ATTACHMENT_CHARS;
    const body = cut ? `${a.content.slice(0, ATTACHMENT_CHARS)}\n[… cut: the file is longer]` : a.content;
    return `Attached file: ${a.name}\n<file name="${a.name.replace(/"/g, "'")}">\n${body}\n</file>`;
  });
  return [words, ...files].filter((part) => part.length > 0).join('\n\n');
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
        ...(run?.spentUsd ? { spentUsd: run.spentUsd } : {}),
      };
    }),
    usage: project.usage,
    ...(project.budget ? { budgetUsd: project.budget.limitUsd } : {}),
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

/** Words a person typed after a command (a stage or role name): shown back only when they look like one. */
function echoable(ref: string): string | undefined {
  return /^[a-z0-9][a-z0-9.-]{0,70}$/.test(ref) ? ref : undefined;
}

/** One transition in progress: mutates its own copy of the project and collects effects. */
class Step {
  private readonly effects: Effect[] = [];
  private statusDirty = false;

  constructor(
    private readonly project: Project,
    private readonly settings: MachineSettings,
    /** The event being applied: what this step says is keyed by it, so a replay says nothing twice. */
    private readonly eventId: string,
  ) {}

  result(): Transition {
    if (this.project.phase === 'running') this.settleIfStuck();
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

  private notice(key: string, tone: 'info' | 'warning' | 'error', text: string, detail?: string): void {
    this.post(key, { type: 'notice', tone, text, ...(detail ? { detail } : {}) });
  }

  private refuse(key: string, userId: string, text: string): void {
    this.effects.push(ephemeral(messageKeys.reply('refusal', key), userId, text));
  }

  /** Checks a control against the actor; a refusal is said to them alone and nothing else happens. */
  private permits(actor: Actor, control: Control, key: string): boolean {
    const permission = mayControl(this.project, actor, this.settings.approverIds, control);
    if (!permission.allowed) this.refuse(key, actor.userId, permission.refusal);
    return permission.allowed;
  }

  /** A click on a message of another thread (a copied button value) is not about this project. */
  private clickedHere(origin: { teamId: string; channelId: string; threadTs: string }): boolean {
    return projectIdFor(origin.teamId, origin.channelId, origin.threadTs) === this.project.id;
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

  /** Hands model work to the agents; its key names the round or attempt, so a replay adds nothing. */
  private modelWork(job: AgentJob): void {
    this.effects.push({ kind: 'agent_job', key: agentJobKey(job), job });
  }

  private decide(kind: Decision['kind'], note: string, extra: { by?: string; stageId?: string } = {}): void {
    this.project.decisions.push({ at: this.settings.now, kind, note, ...extra });
  }

  // ── Clarification ─────────────────────────────────────────────────────────────────────────────

  askClarification(): void {
    const c = this.project.clarification;
    if (this.project.budgetHold) {
      // Paused at the budget: the questions are asked again once it is raised.
      this.holdAlso('clarify');
      return;
    }
    c.round += 1;
    c.inFlight = true;
    c.unseenAnswers = 0;
    this.modelWork({ kind: 'clarify', projectId: this.project.id, round: c.round });
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
    c.transcript.push({
      from: 'project-manager',
      text: clip(output.questions.join('\n')),
      at: this.settings.now,
    });
    this.post(messageKeys.questions(round), {
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
      messageKeys.clarifyFailed(round),
      'warning',
      'I could not get usable clarification from the model, so I will go ahead with the defaults shown in the plan; say `cancel` to stop.',
      error,
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

  /** Asks the project manager to tailor the plan; each request is a new round, so a re-plan is new work. */
  private requestPlan(): void {
    if (this.project.budgetHold) {
      this.holdAlso('plan');
      return;
    }
    this.project.planRound += 1;
    this.modelWork({ kind: 'plan', projectId: this.project.id, round: this.project.planRound });
  }

  onPlanDone(round: number, output: TailoredPlan, usage: Project['usage']): void {
    if (this.project.phase !== 'planning' || round !== this.project.planRound) return;
    this.project.usage = addUsage(this.project.usage, usage);
    const { plan, problems } = acceptTailoredPlan(output);
    if (problems.length > 0) {
      this.useDefaultPlan('the tailored plan was invalid', problems.slice(0, 5).join('; '));
      return;
    }
    this.decide('plan', output.rationale);
    this.beginRun(plan, output.rationale);
  }

  onPlanFailed(round: number, error: string): void {
    if (this.project.phase !== 'planning' || round !== this.project.planRound) return;
    this.useDefaultPlan('the model could not tailor a plan', error);
  }

  private useDefaultPlan(why: string, detail: string): void {
    this.decide('plan_fallback', `${why}: ${detail}`);
    this.notice(
      messageKeys.planFallback(this.project.planRound),
      'warning',
      `Using the default plan: ${why}.`,
      detail,
    );
    const requirements = this.project.requirements ?? defaultRequirements(this.project.request);
    this.beginRun(defaultPlan(requirements), `Default four-phase plan: ${why}.`);
  }

  private beginRun(plan: Plan, rationale: string): void {
    const problems = planProblems(plan);
    if (problems.length > 0) {
      this.project.phase = 'failed';
      this.project.stopReason = 'the plan is invalid';
      this.notice(
        messageKeys.planInvalid(this.project.planRound),
        'error',
        'I could not make a valid plan.',
        problems.join('; '),
      );
      return;
    }
    const requirements = this.project.requirements ?? defaultRequirements(this.project.request);
    this.project.plan = plan;
    this.project.planRationale = rationale;
    this.project.phase = 'running';
    this.project.stages = Object.fromEntries(
      plan.stages.map((s) => [s.id, { state: 'pending', attempt: 1 }]),
    );
    const forecast = this.settings.forecast ? forecastPlan(plan, this.settings.forecast) : undefined;
    this.post(messageKeys.plan(this.project.planRound), {
      type: 'plan',
      plan,
      requirements,
      assumptions: this.project.clarification.last?.assumptions ?? [],
      defaultsUsed: this.project.defaultsUsed ?? false,
      rationale,
      ...(forecast ? { forecast: { ...forecast, budgetUsd: this.budgetLimit() } } : {}),
    });
    this.statusDirty = true;
    this.advance();
  }

  // ── Thread messages and commands ──────────────────────────────────────────────────────────────

  onThreadMessage(event: MessageEvent): void {
    const command = parseThreadCommand(event.text);
    const key = event.eventId;
    switch (command.kind) {
      case 'status':
        this.post(messageKeys.reply('status-reply', key), statusView(this.project));
        return;
      case 'help':
        this.notice(messageKeys.reply('help', key), 'info', HELP_TEXT);
        return;
      case 'cancel':
        if (this.permits(event, 'cancel', key)) this.cancel(event.userId, key);
        return;
      case 'go':
        if (this.permits(event, 'go', key)) this.go(key);
        return;
      case 'resume':
        if (this.permits(event, 'resume', key)) this.resume(event.userId, key);
        return;
      case 'retry':
        if (this.permits(event, 'retry', key)) this.retry(command.stage, event.userId, key);
        return;
      case 'forget':
        if (this.permits(event, 'forget', key)) this.askForget(event.userId, key);
        return;
      case 'memory':
        if (this.permits(event, 'read agent memory', key)) this.memoryReport(command.role, event.userId, key);
        return;
      case 'text':
        this.onText(event, command.text, key);
        return;
      default:
        assertNever(command);
    }
  }

  private onText(event: MessageEvent, text: string, key: string): void {
    const c = this.project.clarification;
    if (this.project.phase === 'clarifying' && isRequester(this.project, event)) {
      c.transcript.push({ from: 'requester', text: clip(text), at: this.settings.now });
      if (c.inFlight) c.unseenAnswers += 1;
      else this.askClarification();
      return;
    }
    if (event.addressed) this.notice(messageKeys.reply('help', key), 'info', HELP_TEXT);
  }

  private go(key: string): void {
    const c = this.project.clarification;
    if (this.project.phase !== 'clarifying') {
      this.notice(
        messageKeys.reply('go', key),
        'info',
        `The run is already ${this.project.phase}; \`go\` only skips questions.`,
      );
      return;
    }
    if (c.inFlight || this.project.budgetHold) {
      c.goRequested = true;
      return;
    }
    this.startRun(true);
  }

  private cancel(userId: string, key: string): void {
    if (!isActive(this.project.phase)) {
      this.notice(
        messageKeys.reply('cancel', key),
        'info',
        `Nothing to cancel: the run is ${this.project.phase}.`,
      );
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
    this.closeBudgetHold('the run was cancelled');
    this.project.clarification.inFlight = false;
    this.project.phase = 'cancelled';
    this.decide('cancel', `cancelled by <@${userId}>`, { by: userId });
    this.project.stopReason = `cancelled by <@${userId}>`;
    this.statusDirty = true;
    const parts = [`Cancelled by <@${userId}>.`];
    if (this.project.plan)
      parts.push(`${neverStarted} stage(s) will not start; ${abandoned} running stage(s) abandoned.`);
    parts.push('Say `resume` to pick up where it stopped.');
    this.notice(messageKeys.reply('cancel', key), 'warning', parts.join(' '));
  }

  private resume(userId: string, key: string): void {
    const phase = this.project.phase;
    if (!isResumable(phase)) {
      this.notice(messageKeys.reply('resume', key), 'info', `Nothing to resume: the run is ${phase}.`);
      return;
    }
    this.project.stopReason = undefined;
    if (!this.project.plan) {
      this.decide('resume', `resumed by <@${userId}> before a plan existed`, { by: userId });
      if (this.project.requirements) {
        // Stopped while the plan was being tailored: tailor it again.
        this.project.phase = 'planning';
        this.notice(messageKeys.reply('resume', key), 'info', `Resumed by <@${userId}>: making the plan.`);
        this.requestPlan();
      } else {
        this.project.phase = 'clarifying';
        this.project.clarification.inFlight = false;
        this.notice(
          messageKeys.reply('resume', key),
          'info',
          `Resumed by <@${userId}>: back to the questions.`,
        );
        this.askClarification();
      }
      return;
    }
    for (const stage of this.stageList) {
      const run = this.project.stages[stage.id];
      if (!run || run.state === 'done' || run.state === 'running' || run.state === 'queued') continue;
      // A stage that ended runs as a new attempt; an approval not yet acted on is asked for again.
      const restarted = run.state !== 'pending' && run.state !== 'awaiting_approval';
      const { decision: _dropped, error: _error, ...rest } = run;
      this.project.stages[stage.id] = {
        ...rest,
        state: 'pending',
        attempt: restarted ? run.attempt + 1 : run.attempt,
      };
    }
    this.project.phase = 'running';
    this.statusDirty = true;
    this.decide('resume', `resumed by <@${userId}>`, { by: userId });
    this.notice(messageKeys.reply('resume', key), 'info', `Resumed by <@${userId}>.`);
    this.advance();
  }

  private retry(stageRef: string, userId: string, key: string): void {
    const stage = this.stageList.find((s) => s.id === stageRef || s.role === stageRef);
    const run = stage ? this.project.stages[stage.id] : undefined;
    if (!stage || !run) {
      const known = this.stageList.map((s) => `\`${s.id}\``).join(', ') || 'none yet';
      const named = echoable(stageRef);
      this.notice(
        messageKeys.reply('retry', key),
        'warning',
        `There is no stage ${named ? `\`${named}\`` : 'by that name'}. Stages: ${known}.`,
      );
      return;
    }
    if (run.state !== 'failed' && run.state !== 'rejected' && run.state !== 'cancelled') {
      this.notice(
        messageKeys.reply('retry', key),
        'info',
        `\`${stage.id}\` is ${run.state.replace('_', ' ')}; only a failed, rejected or cancelled stage can be retried.`,
      );
      return;
    }
    const { decision: _dropped, error: _error, ...rest } = run;
    this.project.stages[stage.id] = { ...rest, state: 'pending', attempt: run.attempt + 1 };
    if (!isActive(this.project.phase)) {
      this.project.phase = 'running';
      this.project.stopReason = undefined;
    }
    this.statusDirty = true;
    this.decide('retry', `retry ${stage.id} (attempt ${run.attempt + 1}) asked by <@${userId}>`, {
      by: userId,
      stageId: stage.id,
    });
    this.notice(
      messageKeys.reply('retry', key),
      'info',
      `Retrying \`${stage.id}\` (attempt ${run.attempt + 1}), asked by <@${userId}>.`,
    );
    this.advance();
  }

  // ── Memory and privacy ────────────────────────────────────────────────────────────────────────

  private memoryReport(roleRef: string, userId: string, key: string): void {
    const role = ROLE_IDS.find((r) => r === roleRef);
    if (!role) {
      const named = echoable(roleRef);
      this.notice(
        messageKeys.reply('memory', key),
        'warning',
        `There is no role ${named ? `\`${named}\`` : 'by that name'}. Roles: ${ROLE_IDS.map((r) => `\`${r}\``).join(', ')}.`,
      );
      return;
    }
    this.effects.push({ kind: 'memory_report', key: messageKeys.reply('memory', key), role, userId });
  }

  private askForget(userId: string, key: string): void {
    const confirmKey = messageKeys.reply('forget', key);
    this.project.openForgetKeys = [...this.project.openForgetKeys, confirmKey].slice(-5);
    this.post(confirmKey, {
      type: 'forget_confirm',
      projectId: this.project.id,
      confirmKey,
      askedBy: userId,
    });
  }

  onForgetDecision(event: Extract<OrchestratorEvent, { type: 'forget_decision' }>): void {
    const { verdict, userId, confirmKey, eventId: key } = event;
    if (!this.clickedHere(event.origin) || !this.project.openForgetKeys.includes(confirmKey)) {
      this.refuse(key, userId, 'That button is not a live question of this project; nothing changed.');
      return;
    }
    if (!this.permits(event, 'forget', key)) return;
    this.project.openForgetKeys = this.project.openForgetKeys.filter((k) => k !== confirmKey);
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

    // Stop whatever runs, close open gates and questions, then keep nothing but the thread's coordinates.
    const deliverables: Array<{ stageId: string; attempt: number }> = [];
    for (const stage of this.stageList) {
      const run = this.project.stages[stage.id];
      if (!run) continue;
      if (run.state === 'awaiting_approval') this.closeGate(stage.id, 'the project was forgotten');
      for (let attempt = 1; attempt <= run.attempt; attempt++)
        deliverables.push({ stageId: stage.id, attempt });
    }
    this.closeBudgetHold('the project was forgotten');
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
    p.openForgetKeys = [];
    p.decisions = [{ at: this.settings.now, kind: 'forget', by: userId, note: `forgotten by <@${userId}>` }];
    this.effects.push({ kind: 'forget', key: confirmKey, deliverables, userId });
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
      approverIds: approversOf(this.project, this.settings.approverIds),
      ...(run?.decision ? { decision: run.decision } : {}),
    };
  }

  /** The message of the gate as it stands now: each time a gate opens it is a new message (new round). */
  private gateKey(stageId: string): string {
    const run = this.project.stages[stageId];
    return messageKeys.gate(stageId, run?.attempt ?? 1, run?.gateRound ?? 1);
  }

  /** Asks for approval in a new message with live buttons: a gate that opens again never reuses one. */
  private openGate(stageId: string): void {
    const run = this.project.stages[stageId];
    if (!run) return;
    this.setStage(stageId, { state: 'awaiting_approval', gateRound: (run.gateRound ?? 0) + 1 });
    const view = this.gateView(stageId);
    if (view) this.post(this.gateKey(stageId), view);
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

  onGateDecision(event: Extract<OrchestratorEvent, { type: 'gate_decision' }>): void {
    const { stageId, verdict, userId, eventId: key } = event;
    const run = this.project.stages[stageId];
    if (!this.clickedHere(event.origin) || !run) {
      this.refuse(key, userId, 'That approval request does not belong to this project; nothing changed.');
      return;
    }
    if (run.state !== 'awaiting_approval') {
      this.refuse(
        key,
        userId,
        run.decision
          ? `\`${stageId}\` was already ${run.decision.verdict} by <@${run.decision.by}>; nothing changed.`
          : `\`${stageId}\` is not waiting for approval (it is ${run.state.replace('_', ' ')}); nothing changed.`,
      );
      return;
    }
    if (event.attempt !== run.attempt || event.gateRound !== (run.gateRound ?? 1)) {
      this.refuse(
        key,
        userId,
        `That approval request for \`${stageId}\` is out of date: use the latest one in this thread. Nothing changed.`,
      );
      return;
    }
    const permission = mayApprove(this.project, event, this.settings.approverIds, stageId);
    if (!permission.allowed) {
      this.refuse(key, userId, permission.refusal);
      return;
    }
    const decision = {
      verdict: verdict === 'approve' ? ('approved' as const) : ('rejected' as const),
      by: userId,
      at: this.settings.now,
    };
    this.decide(decision.verdict, `${decision.verdict} by <@${userId}>`, { by: userId, stageId });
    const gateKey = this.gateKey(stageId);
    if (verdict === 'approve') {
      this.setStage(stageId, { state: 'pending', decision });
      this.effects.push({
        kind: 'thread_message',
        key: gateKey,
        mode: 'upsert',
        view: { ...(this.gateView(stageId) as GateView), decision },
      });
      this.advance();
      return;
    }
    this.setStage(stageId, { state: 'rejected', decision, finishedAt: this.settings.now });
    this.effects.push({
      kind: 'thread_message',
      key: gateKey,
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
      messageKeys.rejected(stageId, run.attempt),
      'warning',
      `<@${userId}> rejected \`${stageId}\`, so the run has stopped and nothing was deployed. Say \`retry ${stageId}\` to ask for approval again.`,
    );
  }

  // ── Spending ──────────────────────────────────────────────────────────────────────────────────

  private budgetLimit(): number {
    return this.project.budget?.limitUsd ?? this.settings.projectBudgetUsd ?? DEFAULT_PROJECT_BUDGET_USD;
  }

  /** A model call was refused at the budget: pause the work before it, and ask whether to spend more. */
  onBudgetExceeded(event: Extract<OrchestratorEvent, { type: 'budget_exceeded' }>): void {
    const { job } = event;
    if (staleReason(this.project, job) !== undefined) return;
    if (this.project.phase !== 'running' && job.kind === 'stage') {
      // A stopped or failed run asks nobody: the stage waits, with a new attempt, for `resume`.
      const run = this.project.stages[job.stageId];
      if (run) this.setStage(job.stageId, { state: 'pending', attempt: run.attempt + 1 });
      return;
    }
    const first = !this.project.budgetHold;
    if (first) {
      this.project.budgetRounds += 1;
      this.project.budgetHold = {
        round: this.project.budgetRounds,
        scope: event.scope,
        spentUsd: event.spentUsd,
        limitUsd: event.limitUsd,
        callUsd: event.callUsd,
        held: [],
        heldStages: [],
      };
    }
    switch (job.kind) {
      case 'clarify':
        this.project.clarification.inFlight = false;
        this.holdAlso('clarify');
        break;
      case 'plan':
        this.holdAlso('plan');
        break;
      case 'summary':
        this.holdAlso('summary');
        break;
      case 'stage': {
        const run = this.project.stages[job.stageId];
        // Back to pending with a new attempt: the refused job is done with, and the stage is asked for anew.
        if (run) this.setStage(job.stageId, { state: 'pending', attempt: run.attempt + 1 });
        const hold = this.project.budgetHold;
        if (hold && !hold.heldStages.includes(job.stageId)) hold.heldStages.push(job.stageId);
        break;
      }
      default:
        assertNever(job);
    }
    if (first) {
      const hold = this.project.budgetHold as BudgetHold;
      this.decide(
        'budget_hold',
        `paused before a model call of up to $${event.callUsd.toFixed(2)}: ${hold.scope} spent $${hold.spentUsd.toFixed(2)} of $${hold.limitUsd.toFixed(2)}`,
      );
      this.post(messageKeys.budget(hold.round), this.budgetView(hold));
    }
    this.statusDirty = true;
  }

  private holdAlso(work: 'clarify' | 'plan' | 'summary'): void {
    const hold = this.project.budgetHold;
    if (hold && !hold.held.includes(work)) hold.held.push(work);
  }

  private raisedLimit(hold: BudgetHold): number {
    const base =
      hold.scope === 'project'
        ? (this.project.budget?.baseUsd ?? this.budgetLimit())
        : (this.settings.workspaceDailyBudgetUsd ?? DEFAULT_WORKSPACE_DAILY_BUDGET_USD);
    return hold.limitUsd + base;
  }

  private budgetView(hold: BudgetHold, decision?: Extract<View, { type: 'budget' }>['decision']): View {
    return {
      type: 'budget',
      projectId: this.project.id,
      round: hold.round,
      scope: hold.scope,
      spentUsd: hold.spentUsd,
      limitUsd: hold.limitUsd,
      callUsd: hold.callUsd,
      raisedLimitUsd: this.raisedLimit(hold),
      spentOn: spentOnWhat(this.project),
      deciders: [...new Set([this.project.requesterId, ...this.settings.approverIds])],
      ...(decision ? { decision } : {}),
    };
  }

  /** Closes an undecided budget question (the run was cancelled or forgotten); its buttons go. */
  private closeBudgetHold(note: string): void {
    const hold = this.project.budgetHold;
    if (!hold) return;
    this.effects.push({
      kind: 'thread_message',
      key: messageKeys.budget(hold.round),
      mode: 'upsert',
      view: this.budgetView(hold, { verdict: 'closed', at: this.settings.now, note }),
    });
    this.project.budgetHold = undefined;
  }

  onBudgetDecision(event: Extract<OrchestratorEvent, { type: 'budget_decision' }>): void {
    const { userId, eventId: key } = event;
    const hold = this.project.budgetHold;
    if (!this.clickedHere(event.origin) || !hold || hold.round !== event.round) {
      this.refuse(key, userId, 'That budget question is already answered or out of date; nothing changed.');
      return;
    }
    if (!this.permits(event, event.verdict === 'raise' ? 'raise the budget' : 'stop the run', key)) return;
    this.project.budgetHold = undefined;
    if (event.verdict === 'stop') {
      this.effects.push({
        kind: 'thread_message',
        key: messageKeys.budget(hold.round),
        mode: 'upsert',
        view: this.budgetView(hold, { verdict: 'stopped', by: userId, at: this.settings.now }),
      });
      this.decide('budget_stop', `stopped at the budget by <@${userId}>`, { by: userId });
      this.project.phase = 'stopped';
      this.project.stopReason = `stopped at the budget by <@${userId}>`;
      this.project.clarification.inFlight = false;
      this.parkQueuedStages();
      this.statusDirty = true;
      this.notice(
        messageKeys.reply('budget', key),
        'warning',
        `<@${userId}> stopped the run at the budget. Stages already running finish; say \`resume\` to go on (it asks again before spending past the budget).`,
      );
      return;
    }
    const newLimit = this.raisedLimit(hold);
    if (hold.scope === 'project') {
      const base = this.project.budget?.baseUsd ?? this.budgetLimit();
      this.project.budget = { limitUsd: newLimit, baseUsd: base };
    } else {
      this.effects.push({
        kind: 'raise_workspace_budget',
        key: messageKeys.reply('budget-raise', key),
        teamId: this.project.teamId,
        amountUsd: newLimit - hold.limitUsd,
      });
    }
    this.effects.push({
      kind: 'thread_message',
      key: messageKeys.budget(hold.round),
      mode: 'upsert',
      view: this.budgetView(hold, { verdict: 'raised', by: userId, at: this.settings.now }),
    });
    this.decide('budget_raised', `${hold.scope} budget raised to $${newLimit.toFixed(2)} by <@${userId}>`, {
      by: userId,
    });
    this.statusDirty = true;
    for (const work of hold.held) {
      switch (work) {
        case 'clarify':
          if (this.project.phase !== 'clarifying') break;
          if (this.project.clarification.goRequested) this.startRun(true);
          else this.askClarification();
          break;
        case 'plan':
          if (this.project.phase === 'planning') this.requestPlan();
          break;
        case 'summary':
          if (this.project.phase === 'summarizing') this.requestSummary();
          break;
        default:
          assertNever(work);
      }
    }
    this.advance();
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
      spentUsd: (run.spentUsd ?? 0) + usage.costUsd,
      model: event.model,
      degraded: event.degraded,
      jobAttempts: event.jobAttempts,
      finishedAt: this.settings.now,
    });
    if (event.degraded)
      this.decide('fallback_model', `produced by the fallback model ${event.model}`, { stageId });
    this.post(messageKeys.stageNote(stageId, attempt), {
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
    this.post(messageKeys.stageNote(stageId, attempt), {
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
    if (!plan || this.project.phase !== 'running' || this.project.budgetHold) return;
    const decision = scheduleStages(plan, this.project.stages, this.settings.projectConcurrency);
    for (const stageId of decision.toGate) this.openGate(stageId);
    for (const stageId of decision.toQueue) {
      const run = this.project.stages[stageId];
      if (!run) continue;
      this.setStage(stageId, { state: 'queued', queuedAt: this.settings.now });
      this.modelWork({ kind: 'stage', projectId: this.project.id, stageId, attempt: run.attempt });
    }
    if (runSettled(plan, this.project.stages)) {
      this.project.phase = 'summarizing';
      this.statusDirty = true;
      this.requestSummary();
    }
  }

  /**
   * A running run with nothing in flight, nobody asked and nothing ready is stuck (a stage retried after
   * a cancel reads stages that will not run): settle it as stopped, saying why, so `resume` can move it.
   */
  private settleIfStuck(): void {
    const plan = this.project.plan;
    if (!plan || this.project.budgetHold) return;
    const runs = plan.stages.map((s) => this.project.stages[s.id]);
    const moving = runs.some(
      (r) => r?.state === 'queued' || r?.state === 'running' || r?.state === 'awaiting_approval',
    );
    if (moving || runSettled(plan, this.project.stages)) return;
    const blocked = plan.stages.filter((s) => {
      const state = this.project.stages[s.id]?.state;
      return state !== 'done' && state !== 'skipped';
    });
    this.project.phase = 'stopped';
    this.project.stopReason = 'nothing left can run until the stopped stages run again';
    this.statusDirty = true;
    this.notice(
      messageKeys.reply('settled', this.eventId),
      'warning',
      `The run has stopped: ${blocked.map((s) => `\`${s.id}\``).join(', ')} cannot run until the stages they read have run. Say \`resume\` to run every stage that has not finished.`,
    );
  }

  // ── Finish ────────────────────────────────────────────────────────────────────────────────────

  private requestSummary(): void {
    if (this.project.budgetHold) {
      this.holdAlso('summary');
      return;
    }
    this.project.summaryRound += 1;
    this.modelWork({ kind: 'summary', projectId: this.project.id, round: this.project.summaryRound });
  }

  onSummary(round: number, summary: ExecutiveSummary, usage: Project['usage']): void {
    if (this.project.phase !== 'summarizing' || round !== this.project.summaryRound) return;
    this.project.usage = addUsage(this.project.usage, usage);
    this.finish(summary);
  }

  onSummaryFailed(round: number, error: string): void {
    if (this.project.phase !== 'summarizing' || round !== this.project.summaryRound) return;
    this.notice(
      messageKeys.summaryFailed(round),
      'warning',
      'The model could not write the summary; here is one from the stage notes.',
      error,
    );
    this.finish(fallbackSummary(this.project));
  }

  private finish(summary: ExecutiveSummary): void {
    this.project.phase = 'completed';
    this.project.summary = summary;
    this.statusDirty = true;
    const runs = this.stageList.map((s) => ({ id: s.id, run: this.project.stages[s.id] }));
    const round = this.project.summaryRound;
    this.post(messageKeys.summary(round), {
      type: 'summary',
      summary,
      usage: this.project.usage,
      spentOn: spentOnWhat(this.project),
      ...(this.project.budget ? { budgetUsd: this.project.budget.limitUsd } : {}),
      stageCount: runs.length,
      degradedStages: runs.filter((r) => r.run?.degraded).map((r) => r.id),
      failedStages: runs
        .filter((r) => r.run?.state === 'failed' || r.run?.state === 'skipped')
        .map((r) => r.id),
    });
    this.effects.push({ kind: 'report', key: messageKeys.report(round) });
  }
}

/** Keeps one transcript entry to a bounded size: the record of a project never grows without end. */
function clip(text: string): string {
  return text.length <= PROJECT_LIST_CAPS.transcriptEntryChars
    ? text
    : `${text.slice(0, PROJECT_LIST_CAPS.transcriptEntryChars - 1)}…`;
}
