import type { types } from '@slack/bolt';
import { assertNever } from '../../domain/assert-never.js';
import { buttonValues } from '../../domain/ids.js';
import type { RunPhase, StageState } from '../../domain/project.js';
import { formatUsd } from '../../domain/spending.js';
import { totalTokens, type Usage } from '../../domain/usage.js';
import type { GateView, StatusView, View } from '../../domain/views.js';
import { button, capBlocks, context, divider, header, section } from './blocks.js';
import {
  escapeKeepingUserMentions,
  escapeText,
  LIMITS,
  markdownToMrkdwn,
  splitForSections,
  truncate,
} from './text.js';

type KnownBlock = types.KnownBlock;

/** A message ready for chat.postMessage / chat.update: blocks plus the plain-text fallback. */
export interface RenderedMessage {
  text: string;
  blocks: KnownBlock[];
}

export const GATE_ACTIONS = { approve: 'gate_approve', reject: 'gate_reject' } as const;
export const FORGET_ACTIONS = { forget: 'forget_confirm', keep: 'forget_keep' } as const;
export const BUDGET_ACTIONS = { raise: 'budget_raise', stop: 'budget_stop' } as const;

const STATE_LABEL: Record<StageState, string> = {
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

const PHASE_LABEL: Record<RunPhase, string> = {
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

export function renderView(view: View): RenderedMessage {
  switch (view.type) {
    case 'welcome':
      return simple(
        `:wave: Thanks <@${view.requesterId}>! I'm Pipewright, your ML project manager. I'll ask a few questions, then propose a plan. Say \`go\` at any time to use sensible defaults.`,
      );
    case 'questions':
      return renderQuestions(view.round, view.maxRounds, view.questions, view.assumptions);
    case 'plan':
      return renderPlan(view);
    case 'status':
      return renderStatus(view);
    case 'stage_note': {
      const icon = view.outcome === 'done' ? ':white_check_mark:' : ':x:';
      const verb = view.outcome === 'done' ? 'finished' : 'failed';
      const degraded = view.fallbackModel
        ? ` _(degraded: produced by the fallback model ${escapeText(view.fallbackModel)})_`
        : '';
      const text = `${icon} *${escapeText(view.stageId)}* (${escapeText(view.role)}) ${verb}${degraded}: ${markdownToMrkdwn(view.text)}`;
      return {
        text: plainFallback(`${view.stageId} ${verb}: ${view.text}`),
        blocks: [section(text)],
      };
    }
    case 'gate':
      return renderGate(view);
    case 'summary':
      return renderSummary(view);
    case 'forget_confirm':
      return renderForgetConfirm(view);
    case 'memory':
      return renderMemory(view);
    case 'notice': {
      const icon =
        view.tone === 'error' ? ':x:' : view.tone === 'warning' ? ':warning:' : ':information_source:';
      const message = simple(`${icon} ${view.text}`);
      if (!view.detail) return message;
      // Whatever a model, a person or an error wrote is escaped whole: it can neither ping nor link.
      const detail = `> ${escapeText(truncate(view.detail, 1_500)).replace(/\n/g, '\n> ')}`;
      return {
        text: truncate(`${message.text} ${escapeText(view.detail)}`, LIMITS.fallbackText),
        blocks: [...message.blocks, section(detail)],
      };
    }
    case 'budget':
      return renderBudget(view);
    default:
      return assertNever(view);
  }
}

/** Our own sentence (may name users); the fallback text strips the markup. */
function simple(mrkdwn: string): RenderedMessage {
  const body = escapeKeepingUserMentions(mrkdwn);
  return { text: truncate(body, LIMITS.fallbackText), blocks: [section(body)] };
}

/**
 * The `text` Slack shows in notifications. It is parsed like mrkdwn, so anything that came from a model
 * or a user is escaped here too: a broadcast in the fallback would ping as surely as one in the blocks.
 */
function plainFallback(raw: string): string {
  return truncate(escapeText(raw), LIMITS.fallbackText);
}

function renderQuestions(
  round: number,
  maxRounds: number,
  questions: string[],
  assumptions: string[],
): RenderedMessage {
  const list = questions.map((q, i) => `${i + 1}. ${escapeText(q)}`).join('\n');
  const blocks: KnownBlock[] = [
    section(`*A few questions before I plan* (round ${round} of ${maxRounds})\n${list}`),
  ];
  if (assumptions.length > 0) {
    blocks.push(
      context(`If you say \`go\`, I'll assume: ${assumptions.map((a) => escapeText(a)).join('; ')}`),
    );
  } else {
    blocks.push(context('Reply in this thread, or say `go` to use the defaults.'));
  }
  return { text: plainFallback(`Questions before I plan:\n${questions.join('\n')}`), blocks };
}

function renderPlan(view: Extract<View, { type: 'plan' }>): RenderedMessage {
  const { plan, requirements: req, assumptions, defaultsUsed, rationale, forecast } = view;
  const s = req.stack;
  const costOf = new Map((forecast?.stages ?? []).map((f) => [f.stageId, f.usd]));
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
        return `• \`${escapeText(st.id)}\` — ${escapeText(st.role)}${gate}${cost}\n   ${escapeText(truncate(st.task.replace(/\{([^}]+)\.output\}/g, '$1'), 300))}`;
      });
    if (lines.length > 0)
      blocks.push(section(`*Phase ${phase.number} · ${escapeText(phase.name)}*\n${lines.join('\n')}`));
  }
  if (rationale) blocks.push(section(`*Why this plan:* ${escapeText(rationale)}`));
  if (forecast) {
    blocks.push(
      context(
        `:moneybag: Forecast: up to ${formatUsd(forecast.totalUsd)} for one try of every stage (priced at the output limit), plus the project manager's calls. Budget ${formatUsd(forecast.budgetUsd)}: I pause and ask before any call that could pass it.`,
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
  if (assumptions.length > 0) notes.push(`Assumptions: ${assumptions.map((a) => escapeText(a)).join('; ')}`);
  notes.push('Say `status` at any time; `cancel` stops the run.');
  blocks.push(context(notes.join(' ')));
  const fallback = `Plan for: ${req.objective}\n${plan.stages.map((st) => `${st.id} (${st.role})${st.needsApproval ? ' needs approval' : ''}`).join('\n')}`;
  return { text: plainFallback(fallback), blocks: capBlocks(blocks) };
}

export function renderStatus(view: StatusView): RenderedMessage {
  const blocks: KnownBlock[] = [section(`*Status: ${PHASE_LABEL[view.phase]}*`)];
  const lines = view.stages.map((st) => {
    const note = st.error ?? st.summary;
    const detail = note ? ` — ${escapeText(truncate(note, 200))}` : '';
    const spent = st.spentUsd ? ` · ${formatUsd(st.spentUsd)}` : '';
    return `${STATE_LABEL[st.state]} · \`${escapeText(st.id)}\`${st.needsApproval ? ' :lock:' : ''}${spent}${detail}`;
  });
  // Pack stage lines into as few sections as fit, so long plans stay under the block limit.
  for (const chunk of splitForSections(lines.join('\n'))) blocks.push(section(chunk));
  const footer = [formatUsage(view.usage)];
  if (view.budgetUsd !== undefined) footer.push(`budget ${formatUsd(view.budgetUsd)}`);
  if (view.stopReason) footer.unshift(`Stopped: ${escapeKeepingUserMentions(view.stopReason)}`);
  blocks.push(context(footer.join(' · ')));
  const fallback = [
    `Status: ${PHASE_LABEL[view.phase]}`,
    ...view.stages.map((st) => `${st.id}: ${st.state.replace('_', ' ')}`),
  ].join('\n');
  return { text: plainFallback(fallback), blocks: capBlocks(blocks) };
}

function renderGate(view: GateView): RenderedMessage {
  const basis = view.basis
    .map((b) => `• \`${escapeText(b.stageId)}\`: ${escapeText(truncate(b.summary || 'no summary', 400))}`)
    .join('\n');
  const blocks: KnownBlock[] = [
    header(`Approval needed: ${view.stageId}`),
    section(
      `*What will be deployed* (${escapeText(view.role)}):\n${escapeText(truncate(view.task.replace(/\{([^}]+)\.output\}/g, '$1'), 1200))}`,
    ),
  ];
  if (basis) blocks.push(section(`*Why it is ready — the work it builds on:*\n${basis}`));
  const approvers = view.approverIds.map((id) => `<@${id}>`).join(', ');
  if (view.decision) {
    const icon = view.decision.verdict === 'approved' ? ':white_check_mark:' : ':no_entry:';
    const when = new Date(view.decision.at).toISOString().replace('T', ' ').slice(0, 16);
    blocks.push(
      context(
        `${icon} ${view.decision.verdict === 'approved' ? 'Approved' : 'Rejected'} by <@${view.decision.by}> on <!date^${Math.floor(view.decision.at / 1000)}^{date_short_pretty} at {time}|${when} UTC>`,
      ),
    );
  } else if (view.closedReason) {
    blocks.push(context(`Closed without a decision: ${escapeText(view.closedReason)}.`));
  } else {
    const value = buttonValues.gate({
      projectId: view.projectId,
      stageId: view.stageId,
      attempt: view.attempt,
      gateRound: view.gateRound,
    });
    blocks.push(context(`Who can decide: ${approvers}`), {
      type: 'actions',
      block_id: `gate.${view.stageId}`.slice(0, 255),
      elements: [
        button({ text: 'Approve', actionId: GATE_ACTIONS.approve, value, style: 'primary' }),
        button({ text: 'Reject', actionId: GATE_ACTIONS.reject, value, style: 'danger' }),
      ],
    });
  }
  const state = view.decision
    ? `${view.decision.verdict} by ${view.decision.by}`
    : view.closedReason
      ? 'closed'
      : 'awaiting approval';
  return { text: plainFallback(`Approval needed for ${view.stageId}: ${state}`), blocks: capBlocks(blocks) };
}

const SCOPE_LABEL = { project: "this project's budget", workspace: "this workspace's budget for today" };

function renderBudget(view: Extract<View, { type: 'budget' }>): RenderedMessage {
  const spentOn = view.spentOn.map((s) => `• ${escapeText(s.label)}: ${formatUsd(s.usd)}`).join('\n');
  const blocks: KnownBlock[] = [
    section(
      `:pause_button: *Paused at the budget.* The next model call could cost up to ${formatUsd(view.callUsd)}, and ${SCOPE_LABEL[view.scope]} is ${formatUsd(view.limitUsd)}, of which ${formatUsd(view.spentUsd)} is spent or committed. I have not made that call.`,
    ),
  ];
  if (spentOn) blocks.push(section(`*Spent so far in this project*\n${spentOn}`));
  const deciders = view.deciders.map((id) => `<@${id}>`).join(', ');
  if (view.decision) {
    const d = view.decision;
    const by = d.by ? ` by <@${d.by}>` : '';
    const what =
      d.verdict === 'raised'
        ? `:white_check_mark: Budget raised to ${formatUsd(view.raisedLimitUsd)}${by}; the run goes on.`
        : d.verdict === 'stopped'
          ? `:octagonal_sign: Stopped${by}; say \`resume\` to go on.`
          : `Closed without a decision: ${escapeText(d.note ?? 'the run ended')}.`;
    blocks.push(context(what));
  } else {
    const value = buttonValues.budget({ projectId: view.projectId, round: view.round });
    blocks.push(
      context(
        `*Raise budget* sets the ceiling to ${formatUsd(view.raisedLimitUsd)} and goes on; *Stop* stops the run (\`resume\` later). Who can decide: ${deciders}`,
      ),
      {
        type: 'actions',
        block_id: `budget.${view.round}`,
        elements: [
          button({ text: 'Raise budget', actionId: BUDGET_ACTIONS.raise, value, style: 'primary' }),
          button({ text: 'Stop', actionId: BUDGET_ACTIONS.stop, value, style: 'danger' }),
        ],
      },
    );
  }
  const state = view.decision ? view.decision.verdict : 'waiting for a decision';
  return {
    text: plainFallback(
      `Paused at the budget (${formatUsd(view.spentUsd)} of ${formatUsd(view.limitUsd)}): ${state}`,
    ),
    blocks,
  };
}

function renderForgetConfirm(view: Extract<View, { type: 'forget_confirm' }>): RenderedMessage {
  const blocks: KnownBlock[] = [
    section(
      `:wastebasket: <@${view.askedBy}> asked me to forget this project: its requirements, plan and deliverables, and what the agents remember only from it. Other projects' memory stays. Messages already in this thread stay.`,
    ),
  ];
  if (view.decision) {
    const what = view.decision.verdict === 'forgotten' ? 'Forgotten' : 'Kept';
    blocks.push(context(`${what} by <@${view.decision.by}>.`));
  } else {
    const value = buttonValues.forget({ projectId: view.projectId, confirmKey: view.confirmKey });
    blocks.push({
      type: 'actions',
      block_id: 'forget',
      elements: [
        button({ text: 'Forget this project', actionId: FORGET_ACTIONS.forget, value, style: 'danger' }),
        button({ text: 'Keep it', actionId: FORGET_ACTIONS.keep, value }),
      ],
    });
  }
  const state = view.decision ? view.decision.verdict : 'waiting for confirmation';
  return { text: plainFallback(`Forget this project? ${state}`), blocks };
}

function renderMemory(view: Extract<View, { type: 'memory' }>): RenderedMessage {
  const c = view.counts;
  const blocks: KnownBlock[] = [
    header(`What ${view.role} remembers`),
    context(
      `${c.history} task(s) · ${c.insights} insight(s) · ${c.unreadMessages} unread message(s) · in this workspace`,
    ),
  ];
  const parts: string[] = [];
  if (view.insights.length > 0) {
    parts.push(
      `*Insights*\n${view.insights.map((i) => `• [${escapeText(i.area)}, ${i.impact}, ${i.confidence.toFixed(2)}] ${escapeText(i.insight)} _(${escapeText(i.source)})_`).join('\n')}`,
    );
  }
  if (view.history.length > 0) {
    parts.push(
      `*Recent tasks*\n${view.history.map((h) => `• ${h.outcome}: ${escapeText(truncate(h.task, 200))} _(${escapeText(h.source)})_`).join('\n')}`,
    );
  }
  if (view.collaborators.length > 0) {
    parts.push(
      `*Worked with*\n${view.collaborators.map((k) => `• ${escapeText(k.role)}: ${k.tasks} task(s), ${k.successes} successful`).join('\n')}`,
    );
  }
  if (view.messages.length > 0) {
    parts.push(
      `*Unread messages*\n${view.messages.map((m) => `• [${m.priority} ${m.type} from ${escapeText(m.from)}] ${escapeText(m.text)}`).join('\n')}`,
    );
  }
  if (parts.length === 0) parts.push('Nothing yet: this role has not worked on a project in this workspace.');
  for (const part of parts) for (const chunk of splitForSections(part)) blocks.push(section(chunk));
  return {
    text: plainFallback(`What ${view.role} remembers: ${c.insights} insight(s), ${c.history} task(s)`),
    blocks: capBlocks(blocks),
  };
}

const OUTCOME_LABEL = {
  met: ':white_check_mark: Requirements met',
  partially_met: ':large_yellow_circle: Requirements partly met',
  not_met: ':red_circle: Requirements not met',
  unchecked: ':grey_question: Not checked against the requirements',
} as const;

function renderSummary(view: Extract<View, { type: 'summary' }>): RenderedMessage {
  const s = view.summary;
  const list = (items: string[]) => items.map((i) => `• ${escapeText(i)}`).join('\n');
  const parts: string[] = [`*${OUTCOME_LABEL[s.outcome]}* — ${escapeText(s.headline)}`];
  if (s.deliverables.length > 0) {
    parts.push(
      `*What each stage delivered*\n${s.deliverables.map((d) => `• \`${escapeText(d.stageId)}\`: ${escapeText(d.line)}`).join('\n')}`,
    );
  }
  if (s.criteria.length > 0) {
    parts.push(
      `*Success criteria*\n${s.criteria.map((c) => `${c.met ? ':white_check_mark:' : ':x:'} ${escapeText(c.criterion)} — ${escapeText(c.evidence)}`).join('\n')}`,
    );
  }
  if (view.failedStages.length > 0)
    parts.push(`*Not delivered:* ${view.failedStages.map((id) => `\`${escapeText(id)}\``).join(', ')}`);
  if (view.degradedStages.length > 0) {
    parts.push(
      `*Produced by the fallback model (review these):* ${view.degradedStages.map((id) => `\`${escapeText(id)}\``).join(', ')}`,
    );
  }
  if (view.spentOn && view.spentOn.length > 0) {
    const budget = view.budgetUsd === undefined ? '' : ` (budget ${formatUsd(view.budgetUsd)})`;
    parts.push(
      `*Cost${budget}*\n${view.spentOn.map((c) => `• ${escapeText(c.label)}: ${formatUsd(c.usd)}`).join('\n')}`,
    );
  }
  if (s.risks.length > 0) parts.push(`*Risks*\n${list(s.risks)}`);
  if (s.nextSteps.length > 0) parts.push(`*Next steps*\n${list(s.nextSteps)}`);
  const blocks: KnownBlock[] = [header('Executive summary')];
  for (const part of parts) for (const chunk of splitForSections(part)) blocks.push(section(chunk));
  blocks.push(
    context(
      `Completed · ${view.stageCount} stage(s) · ${formatUsage(view.usage)} · full report attached below`,
    ),
  );
  const fallback = `Executive summary (completed): ${s.outcome.replace('_', ' ')}. ${s.headline}`;
  return { text: plainFallback(fallback), blocks: capBlocks(blocks) };
}
