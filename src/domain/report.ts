import { type AuditEntry, describeAudit } from './audit.js';
import type { Deliverable } from './deliverable.js';
import type { Project } from './project.js';
import { filesSection, type ReportFiles } from './report-files.js';
import {
  coverageMarkdown,
  type StageReviewMetadata,
  stageReviewMarkdown,
  stageReviewMetadata,
} from './report-review.js';
import { stageAnchorTag, summaryMarkdown } from './report-summary.js';
import { formatUsd, spentOnWhat } from './spending.js';

/**
 * The full report of a run: every deliverable in one Markdown file, and the run's metadata (timings,
 * tokens, cost, retries, decisions) as JSON. Pure: the outbox uploads what this returns.
 */
export interface RunReport {
  markdown: string;
  metadata: RunMetadata;
}

export interface RunMetadata {
  projectId: string;
  request: string;
  requesterId: string;
  phase: Project['phase'];
  createdAt: string;
  finishedAt: string;
  requirements: Project['requirements'];
  planRationale: string | undefined;
  outcome: string | undefined;
  /** The executive summary as stored: criteria, business impact, risks, resources, next steps, stage refs. */
  summary: Project['summary'];
  usage: Project['usage'];
  /** The budget the run ended with, and what was spent on what (USD, estimated from the price table). */
  spending: { budgetUsd: number | undefined; spentOn: Array<{ label: string; usd: number }> };
  stages: Array<
    {
      id: string;
      role: string;
      state: string;
      attempt: number;
      jobAttempts: number | undefined;
      model: string | undefined;
      degraded: boolean;
      worker: string | undefined;
      queuedAt: string | undefined;
      startedAt: string | undefined;
      finishedAt: string | undefined;
      durationMs: number | undefined;
      usage: Project['usage'] | undefined;
      /** Every attempt of the stage, in USD. */
      spentUsd: number;
      error: string | undefined;
      decision: { verdict: string; by: string; at: string } | undefined;
    } & StageReviewMetadata
  >;
  decisions: Array<{
    at: string;
    kind: string;
    by: string | undefined;
    stageId: string | undefined;
    note: string;
  }>;
  /** The audit trail: every person's action, oldest first, with the message it came from. */
  audit: Array<Omit<AuditEntry, 'at'> & { at: string }>;
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** Shown in the report besides the records: the audit trail, and the run picture as a base64 PNG data URI. */
export interface ReportExtras {
  audit?: readonly AuditEntry[];
  timelinePngBase64?: string;
  /** The file the same picture is attached to the thread as. */
  timelineFilename?: string;
  /** The project's files: the archive in the thread and what each stage handed over. */
  files?: ReportFiles;
}

export function buildReport(
  project: Project,
  deliverables: ReadonlyMap<string, Deliverable>,
  extras: ReportExtras = {},
): RunReport {
  const audit = extras.audit ?? [];
  const stages = project.plan?.stages ?? [];
  const metadata: RunMetadata = {
    projectId: project.id,
    request: project.request,
    requesterId: project.requesterId,
    phase: project.phase,
    createdAt: new Date(project.createdAt).toISOString(),
    finishedAt: new Date(project.updatedAt).toISOString(),
    requirements: project.requirements,
    planRationale: project.planRationale,
    outcome: project.summary?.outcome,
    summary: project.summary,
    usage: project.usage,
    spending: { budgetUsd: project.budget?.limitUsd, spentOn: spentOnWhat(project) },
    stages: stages.map((s) => {
      const run = project.stages[s.id];
      const d = deliverables.get(s.id);
      return {
        id: s.id,
        role: s.role,
        state: run?.state ?? 'pending',
        attempt: run?.attempt ?? 1,
        jobAttempts: run?.jobAttempts,
        model: run?.model,
        degraded: run?.degraded ?? false,
        worker: d?.workerId,
        queuedAt: iso(run?.queuedAt),
        startedAt: iso(d?.startedAt ?? run?.startedAt),
        finishedAt: iso(run?.finishedAt),
        durationMs: d ? d.producedAt - d.startedAt : undefined,
        usage: run?.usage,
        spentUsd: run?.spentUsd ?? 0,
        error: run?.error,
        decision: run?.decision
          ? { ...run.decision, at: new Date(run.decision.at).toISOString() }
          : undefined,
        ...stageReviewMetadata(d),
      };
    }),
    decisions: project.decisions.map((d) => ({
      at: new Date(d.at).toISOString(),
      kind: d.kind,
      by: d.by,
      stageId: d.stageId,
      note: d.note,
    })),
    audit: audit.map((e) => ({ ...e, at: new Date(e.at).toISOString() })),
  };

  const lines: string[] = [
    `# Pipewright report: ${project.requirements?.objective ?? project.request}`,
    '',
    `- Project: \`${project.id}\`, requested by ${project.requesterId}`,
    `- Outcome: ${project.summary ? `${project.summary.outcome.replace('_', ' ')}. ${project.summary.headline}` : project.phase}`,
    `- Usage: ${project.usage.inputTokens} input, ${project.usage.outputTokens} output, ${project.usage.cacheReadTokens} cache-read, ${project.usage.cacheWriteTokens} cache-write tokens; est. $${project.usage.costUsd.toFixed(2)}${project.budget ? ` of a $${project.budget.limitUsd.toFixed(2)} budget` : ''}`,
    ...metadata.spending.spentOn.map((s) => `  - ${s.label}: ${formatUsd(s.usd)}`),
    '',
  ];
  if (project.summary)
    lines.push(
      ...summaryMarkdown(
        project.summary,
        stages.map((s) => s.id),
        { spentUsd: project.usage.costUsd, budgetUsd: project.budget?.limitUsd },
      ),
    );
  lines.push(...coverageMarkdown(stages, deliverables));
  if (project.planRationale) lines.push('## Plan', '', project.planRationale, '');
  lines.push(...filesSection(project, extras.files));
  for (const s of stages) {
    const run = project.stages[s.id];
    const d = deliverables.get(s.id);
    lines.push(
      stageAnchorTag(s.id),
      `## ${s.id} (${s.role})`,
      '',
      `State: ${run?.state ?? 'pending'}${run?.degraded ? ` — produced by the fallback model ${run.model}` : ''}`,
      '',
    );
    lines.push(d ? d.deliverable : `_No deliverable${run?.error ? `: ${run.error}` : ''}._`, '');
    if (d) lines.push(...stageReviewMarkdown(d));
  }
  if (audit.length > 0) {
    lines.push('## Audit trail', '');
    for (const e of audit) lines.push(`- ${auditReportLine(e)}`);
    lines.push('');
  }
  lines.push('## Run metadata', '', '```json', JSON.stringify(metadata, null, 2), '```', '');
  if (extras.timelinePngBase64) {
    // Last, so a preview of the file shows the words first; any Markdown viewer shows the picture.
    lines.push(
      '## Timeline',
      '',
      `Each stage over time: retries, waits for people and the critical path.${extras.timelineFilename ? ` Also attached to the thread as \`${extras.timelineFilename}\`.` : ''}`,
      '',
      `![Run timeline](data:image/png;base64,${extras.timelinePngBase64})`,
      '',
    );
  }
  return { markdown: lines.join('\n'), metadata };
}

/** One audit entry in the report: a file, not a Slack message, so people are named by their user id. */
function auditReportLine(e: AuditEntry): string {
  const when = new Date(e.at).toISOString().replace('T', ' ').slice(0, 19);
  const what = describeAudit(e).replace(/<@([A-Z0-9]+)>/g, '@$1');
  const where = e.messageTs ? ` (message ${e.messageTs} in ${e.channelId})` : '';
  const reason = e.reason ? `: "${e.reason.replace(/\s+/g, ' ')}"` : '';
  return `${when} UTC ${what}${reason}${where}`;
}
