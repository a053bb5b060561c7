import { isRequester } from '../../domain/authority.js';
import type { MessageEvent } from '../../domain/events.js';
import { messageKeys } from '../../domain/ids.js';
import { PROJECT_LIST_CAPS, type Project } from '../../domain/project.js';
import { defaultRequirements } from '../../domain/requirements.js';
import { HELP_TEXT, notes, say } from '../../domain/texts.js';
import { addUsage } from '../../domain/usage.js';
import { holdAlso } from './budget.js';
import { requestPlan } from './plan.js';
import type { Step } from './step.js';

/** Clarification: the questions, the answers, `go`, and settling the requirements. */

export function askClarification(s: Step): void {
  const c = s.project.clarification;
  if (s.project.budgetHold) {
    // Paused at the budget: the questions are asked again once it is raised.
    holdAlso(s, 'clarify');
    return;
  }
  c.round += 1;
  c.inFlight = true;
  c.unseenAnswers = 0;
  s.modelWork({ kind: 'clarify', projectId: s.project.id, round: c.round });
}

export function onClarifyDone(
  s: Step,
  round: number,
  output: NonNullable<Project['clarification']['last']>,
  usage: Project['usage'],
): void {
  const c = s.project.clarification;
  if (s.project.phase !== 'clarifying' || round !== c.round || !c.inFlight) return;
  c.inFlight = false;
  c.last = output;
  s.project.usage = addUsage(s.project.usage, usage);
  const lastRound = round >= s.settings.clarifyMaxRounds;
  if (output.ready || c.goRequested || lastRound || output.questions.length === 0) {
    startRun(s, !output.ready);
    return;
  }
  if (c.unseenAnswers > 0) {
    askClarification(s);
    return;
  }
  c.transcript.push({
    from: 'project-manager',
    text: clip(output.questions.join('\n')),
    at: s.settings.now,
  });
  s.post(messageKeys.questions(round), {
    type: 'questions',
    round,
    maxRounds: s.settings.clarifyMaxRounds,
    questions: output.questions,
    assumptions: output.assumptions,
  });
}

export function onClarifyFailed(s: Step, round: number, error: string): void {
  const c = s.project.clarification;
  if (s.project.phase !== 'clarifying' || round !== c.round || !c.inFlight) return;
  c.inFlight = false;
  s.notice(messageKeys.clarifyFailed(round), 'warning', say.clarifyFailed(), error);
  startRun(s, true);
}

/** Requirements are settled: record them and ask the project manager to tailor the plan. */
export function startRun(s: Step, defaultsUsed: boolean): void {
  const last = s.project.clarification.last;
  s.project.requirements = last?.requirements ?? defaultRequirements(s.project.request);
  s.project.defaultsUsed = defaultsUsed;
  if (defaultsUsed) s.decide('defaults', notes.defaults());
  s.project.phase = 'planning';
  s.statusDirty = true;
  requestPlan(s);
}

export function onText(s: Step, event: MessageEvent, text: string, key: string): void {
  const c = s.project.clarification;
  if (s.project.phase === 'clarifying' && isRequester(s.project, event)) {
    c.transcript.push({ from: 'requester', text: clip(text), at: s.settings.now });
    if (c.inFlight) c.unseenAnswers += 1;
    else askClarification(s);
    return;
  }
  if (event.addressed) s.notice(messageKeys.reply('help', key), 'info', HELP_TEXT);
}

export function go(s: Step, key: string): void {
  const c = s.project.clarification;
  if (s.project.phase !== 'clarifying') {
    s.notice(messageKeys.reply('go', key), 'info', say.goTooLate(s.project.phase));
    return;
  }
  if (c.inFlight || s.project.budgetHold) {
    c.goRequested = true;
    return;
  }
  startRun(s, true);
}

/** Keeps one transcript entry to a bounded size: the record of a project never grows without end. */
function clip(text: string): string {
  return text.length <= PROJECT_LIST_CAPS.transcriptEntryChars
    ? text
    : `${text.slice(0, PROJECT_LIST_CAPS.transcriptEntryChars - 1)}…`;
}
