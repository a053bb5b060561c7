import { type SummaryAnswer, settleSummary } from '../../domain/executive-summary.js';
import { fallbackSummary } from '../../domain/fallback-summary.js';
import type { FilesPublication } from '../../domain/files-publication.js';
import { messageKeys } from '../../domain/ids.js';
import type { Project } from '../../domain/project.js';
import { spentOnWhat } from '../../domain/spending.js';
import { say } from '../../domain/texts.js';
import { addUsage } from '../../domain/usage.js';
import { holdAlso } from './budget.js';
import { statusView } from './status.js';
import type { Step } from './step.js';

/** The finish: the executive summary (or one from the stage notes) and the report. */

export function requestSummary(s: Step): void {
  if (s.project.budgetHold) {
    holdAlso(s, 'summary');
    return;
  }
  s.project.summaryRound += 1;
  // A new round publishes the files again (files_published); an earlier round's push is not this one's.
  s.project.filesPublication = undefined;
  s.modelWork({ kind: 'summary', projectId: s.project.id, round: s.project.summaryRound });
}

export function onSummary(
  s: Step,
  round: number,
  summary: SummaryAnswer,
  usage: Project['usage'],
  files?: FilesPublication,
): void {
  if (s.project.phase !== 'summarizing' || round !== s.project.summaryRound) return;
  s.project.usage = addUsage(s.project.usage, usage);
  if (files) s.project.filesPublication = files;
  finish(s, summary);
}

/** Where the files went, known before the summary: kept for the summary, whether the model writes it or not. */
export function onFilesPublished(s: Step, round: number, files: FilesPublication): void {
  if (s.project.phase !== 'summarizing' || round !== s.project.summaryRound) return;
  s.project.filesPublication = files;
}

export function onSummaryFailed(s: Step, round: number, error: string): void {
  if (s.project.phase !== 'summarizing' || round !== s.project.summaryRound) return;
  s.notice(messageKeys.summaryFailed(round), 'warning', say.summaryFailed(), error);
  finish(s, fallbackSummary(s.project));
}

/**
 * Stores and posts the summary, traced against the plan (claims citing stages it does not have lose those
 * references) and with the run's spent amount from its usage, never from the model.
 */
export function finish(s: Step, answer: SummaryAnswer): void {
  const { summary } = settleSummary(
    answer,
    s.stageList.map((st) => st.id),
    s.project.usage.costUsd,
  );
  s.project.phase = 'completed';
  s.project.summary = summary;
  s.statusDirty = true;
  const runs = s.stageList.map((st) => ({ id: st.id, run: s.project.stages[st.id] }));
  const round = s.project.summaryRound;
  s.post(messageKeys.summary(round), {
    type: 'summary',
    summary,
    usage: s.project.usage,
    spentOn: spentOnWhat(s.project),
    ...(s.project.budget ? { budgetUsd: s.project.budget.limitUsd } : {}),
    stageCount: runs.length,
    stages: statusView(s.project).stages,
    degradedStages: runs.filter((r) => r.run?.degraded).map((r) => r.id),
    failedStages: runs
      .filter((r) => r.run?.state === 'failed' || r.run?.state === 'skipped')
      .map((r) => r.id),
    ...(s.project.filesPublication ? { files: s.project.filesPublication } : {}),
  });
  s.effects.push({ kind: 'report', key: messageKeys.report(round) });
}
