import type { Project } from './project.js';
import { totalTokens } from './usage.js';
import type { StatusView } from './views.js';

/** What `status` shows of a project: every stage of its plan with its state, usage and budget. */
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
        ...(run?.usage ? { tokens: totalTokens(run.usage) } : {}),
        ...(run?.startedAt !== undefined ? { startedAt: run.startedAt } : {}),
        ...(run?.finishedAt !== undefined ? { finishedAt: run.finishedAt } : {}),
        ...(run?.state === 'done' && run.review ? { review: run.review } : {}),
        ...(run?.state === 'done' && run.files ? { files: run.files } : {}),
        ...(run ? { attempt: run.attempt } : {}),
      };
    }),
    usage: project.usage,
    ...(project.budget ? { budgetUsd: project.budget.limitUsd } : {}),
    ...(project.stopReason ? { stopReason: project.stopReason } : {}),
  };
}
