import type { Project } from '../../domain/project.js';
import { totalTokens } from '../../domain/usage.js';
import type { StatusView } from '../../domain/views.js';

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
      };
    }),
    usage: project.usage,
    ...(project.budget ? { budgetUsd: project.budget.limitUsd } : {}),
    ...(project.stopReason ? { stopReason: project.stopReason } : {}),
  };
}
