import type { types } from '@slack/bolt';
import { checklistCounts } from '../../domain/checklists.js';
import type { Stage } from '../../domain/plan.js';
import type { RunPhase, StageState } from '../../domain/project.js';
import { REVIEW_CAVEAT_TEXT } from '../../domain/review.js';
import { formatUsd } from '../../domain/spending.js';
import { totalTokens, type Usage } from '../../domain/usage.js';
import type { StageLine, StatusView, View } from '../../domain/views.js';
import { capBlocks, context, divider, header, section } from './blocks.js';
import { plainFallback, type RenderedMessage } from './message.js';
import { owedLine, reviewLine } from './review.js';
import {
  escapeKeepingUserMentions,
  escapeText,
  markdownToMrkdwn,
  splitForSections,
  truncate,
} from './text.js';

type KnownBlock = types.KnownBlock;

export const STATE_LABEL: Record<StageState, string> = {
  pending: ':white_circle: pending',
  awaiting_approval: ':lock: awaiting approval',
  queued: ':hourglass_flowing_sand: queued',
  running: ':arrows_counterclockwise: running',
  done: ':white_check_mark: done',
  failed: ':x: failed',
  rejected: ':no_entry: rejected',
  cancelled: ':heavy_multiplication_x: cancelled',
  skipped: ':fast_forward: skipped',
};

export const PHASE_LABEL: Record<RunPhase, string> = {
  clarifying: 'clarifying requirements',
  planning: 'tailoring the plan',
  running: 'running',
  summarizing: 'writing the summary',
  completed: 'completed',
  stopped: 'stopped',
  failed: 'failed',
  cancelled: 'cancelled',
  forgotten: 'forgotten',
};

/** Tokens and estimated cost, e.g. "12,345 tokens · est. $0.42 · 9 model calls". */
export function formatUsage(usage: Usage): string {
  return `${totalTokens(usage).toLocaleString('en-US')} tokens · est. ${formatUsd(usage.costUsd)} · ${usage.calls} model call(s)`;
}

/** How far a running stage is: "writing · ~12,400 / 32,000 tokens"; just the step before any text came. */
export function progressText(progress: NonNullable<StageLine['progress']>): string {
  const { step, outputTokens, maxTokens } = progress;
  if (outputTokens <= 0 || maxTokens <= 0) return step;
  const n = (v: number) => v.toLocaleString('en-US');
  return `${step} · ~${n(Math.min(outputTokens, maxTokens))} / ${n(maxTokens)} tokens`;
}

export function renderPlan(view: Extract<View, { type: 'plan' }>): RenderedMessage {
  const { plan, requirements: req, assumptions, defaultsUsed, rationale, forecast } = view;
  const s = req.stack;
  // Free stages (the offline model) show no price at all rather than "$0.00" on every line.
  const costOf = new Map((forecast?.stages ?? []).filter((f) => f.usd > 0).map((f) => [f.stageId, f.usd]));
  const blocks: KnownBlock[] = [
    header(`Plan: ${req.objective}`),
    section(
      [
        `*Target metric:* ${escapeText(req.targetMetric)} (baseline: ${escapeText(req.baseline)})`,
        `*Data:* ${escapeText(req.dataSources.join(', ') || 'to be identified in phase 1')}`,
        `*Stack:* ${[s.experimentTracking, s.featureStore, s.serving, s.orchestration, s.cloud, s.deploymentMode, s.monitoring].join(' · ')}`,
        `*Constraints:* latency ${escapeText(req.constraints.latency)}; budget ${escapeText(req.constraints.budget)}; compliance ${escapeText(req.constraints.compliance)}`,
      ].join('\n'),
    ),
    divider(),
  ];
  for (const phase of plan.phases) {
    const lines = plan.stages
      .filter((st) => st.phase === phase.number)
      .map((st) => {
        const gate = st.needsApproval ? ' :lock: _needs approval_' : '';
        const usd = costOf.get(st.id);
        const cost = usd === undefined ? '' : ` · up to ${formatUsd(usd)}`;
        return `• \`${escapeText(st.id)}\` — ${escapeText(st.role)}${gate}${cost} · ${checklistLabel(st)}\n   ${escapeText(truncate(st.task.replace(/\{([^}]+)\.output\}/g, '$1'), 300))}`;
      });
    // A long phase spills into further sections rather than losing its last stages to truncation.
    if (lines.length > 0)
      for (const chunk of splitForSections(
        `*Phase ${phase.number} · ${escapeText(phase.name)}*\n${lines.join('\n')}`,
      ))
        blocks.push(section(chunk));
  }
  if (rationale) blocks.push(section(`*Why this plan:* ${escapeText(rationale)}`));
  if (forecast && forecast.totalUsd === 0) {
    blocks.push(context(':moneybag: Forecast: free: the offline model answers locally and costs nothing.'));
  } else if (forecast) {
    blocks.push(
      context(
        `:moneybag: Forecast: up to ${formatUsd(forecast.totalUsd)} for one try of every stage${forecast.reviewed ? ' and its review' : ''} (priced at the output limit), plus the project manager's calls. Budget ${formatUsd(forecast.budgetUsd)}: I pause and ask before any call that could pass it.`,
      ),
    );
  }
  const parallel = plan.stages.filter((a) =>
    plan.stages.some(
      (b) => a !== b && a.phase === b.phase && !a.reads.includes(b.id) && !b.reads.includes(a.id),
    ),
  );
  if (parallel.length > 0)
    blocks.push(
      context(
        `Runs in parallel where inputs allow: ${parallel.map((st) => `\`${escapeText(st.id)}\``).join(', ')}`,
      ),
    );
  const notes: string[] = [];
  if (defaultsUsed) notes.push('Some requirements use defaults.');
  if (assumptions.length > 0)
    notes.push(`Assumptions: ${assumptions.map((a) => escapeText(a.replace(/[.;\s]+$/, ''))).join('; ')}.`);
  notes.push('Say `status` at any time; `cancel` stops the run.');
  blocks.push(context(notes.join(' ')));
  const fallback = `Plan for: ${req.objective}\n${plan.stages.map((st) => `${st.id} (${st.role})${st.needsApproval ? ' needs approval' : ''}`).join('\n')}`;
  return { text: plainFallback(fallback), blocks: capBlocks(blocks) };
}

/** "checklist 8 items", with "(−1 dropped, +1 added)" when the plan tailored the role's list. */
export function checklistLabel(stage: Pick<Stage, 'id' | 'role' | 'checklist'>): string {
  const { items, dropped, added } = checklistCounts(stage);
  const changes = [dropped > 0 ? `−${dropped} dropped` : '', added > 0 ? `+${added} added` : ''].filter(
    Boolean,
  );
  return `checklist ${items} item${items === 1 ? '' : 's'}${changes.length > 0 ? ` (${changes.join(', ')})` : ''}`;
}

export function renderStatus(view: StatusView): RenderedMessage {
  const blocks: KnownBlock[] = [section(`*Status: ${PHASE_LABEL[view.phase]}*`)];
  const lines = view.stages.map((st) => {
    const note = st.error ?? st.summary;
    const detail = note ? ` — ${escapeText(truncate(note, 200))}` : '';
    const spent = st.spentUsd ? ` · ${formatUsd(st.spentUsd)}` : '';
    const reviewed = reviewLine(st.review, st.files);
    const progress = st.progress ? ` · ${progressText(st.progress)}` : '';
    return `${STATE_LABEL[st.state]} · \`${escapeText(st.id)}\`${st.needsApproval ? ' :lock:' : ''}${progress}${spent}${reviewed ? ` · ${reviewed}` : ''}${detail}`;
  });
  // Pack stage lines into as few sections as fit, so long plans stay under the block limit.
  for (const chunk of splitForSections(lines.join('\n'))) blocks.push(section(chunk));
  const footer = [formatUsage(view.usage)];
  if (view.budgetUsd !== undefined) footer.push(`budget ${formatUsd(view.budgetUsd)}`);
  if (view.stopReason) footer.unshift(`Stopped: ${escapeKeepingUserMentions(view.stopReason)}`);
  blocks.push(context(footer.join(' · ')));
  const fallback = [
    `Status: ${PHASE_LABEL[view.phase]}`,
    ...view.stages.map(
      (st) =>
        `${st.id}: ${st.state.replace('_', ' ')}${st.progress ? ` (${progressText(st.progress)})` : ''}`,
    ),
  ].join('\n');
  return { text: plainFallback(fallback), blocks: capBlocks(blocks) };
}

export function renderStageNote(view: Extract<View, { type: 'stage_note' }>): RenderedMessage {
  const icon = view.outcome === 'done' ? ':white_check_mark:' : ':x:';
  const verb = view.outcome === 'done' ? 'finished' : 'failed';
  const degraded = view.fallbackModel
    ? ` _(degraded: produced by the fallback model ${escapeText(view.fallbackModel)})_`
    : '';
  const text = `${icon} *${escapeText(view.stageId)}* (${escapeText(view.role)}) ${verb}${degraded}: ${markdownToMrkdwn(view.text)}`;
  const reviewed = [
    reviewLine(view.review, view.files),
    owedLine(view.review),
    view.reviewCaveat ? `:warning: ${REVIEW_CAVEAT_TEXT[view.reviewCaveat]}` : '',
  ]
    .filter(Boolean)
    .join(' · ');
  return {
    text: plainFallback(`${view.stageId} ${verb}: ${view.text}`),
    blocks: [section(text), ...(reviewed ? [context(reviewed)] : [])],
  };
}
