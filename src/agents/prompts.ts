import { z } from 'zod';
import type { Deliverable } from '../domain/deliverable.js';
import { asTailoredPlan, defaultPlan, type Stage } from '../domain/plan.js';
import type { Project } from '../domain/project.js';
import { defaultRequirements, STACK_CHOICES } from '../domain/requirements.js';
import { DEPLOYING_ROLES, ROLE_IDS, ROLES, type RoleId, rolePrompt, teamCharter } from '../domain/roles.js';
import { estimateTokens } from '../domain/spending.js';
import { renderTemplate, templateRefs } from '../domain/template.js';

/**
 * What a stage agent returns (validated): a line for the thread, the full deliverable, a digest, and
 * what it wants remembered: how it went, what it learned, and messages for other roles.
 */
export const stageOutputSchema = z.object({
  summary: z.string().min(1).max(600),
  deliverable: z.string().min(1),
  /** The deliverable condensed for the stages that build on it; used when the full text is over budget. */
  digest: z.string().min(1).max(8_000),
  outcome: z.enum(['success', 'partial', 'failure']),
  keyInsights: z.array(z.string().min(1).max(300)).max(5),
  /** Work it says another role should take on. */
  delegations: z.array(z.string().min(1).max(300)).max(5),
  insights: z
    .array(
      z.object({
        area: z.string().min(1).max(80),
        insight: z.string().min(1).max(600),
        impact: z.enum(['low', 'medium', 'high']),
        confidence: z.number().min(0).max(1),
        tags: z.array(z.string().min(1).max(40)).max(8),
      }),
    )
    .max(5),
  messages: z
    .array(
      z.object({
        to: z.enum([...ROLE_IDS, 'all']),
        type: z.enum(['insight', 'warning', 'request']),
        priority: z.enum(['low', 'normal', 'high']),
        text: z.string().min(1).max(800),
      }),
    )
    .max(5),
});
export type StageOutput = z.infer<typeof stageOutputSchema>;

/**
 * A prompt. `system` is a list of blocks, most stable first: the team charter (the same for every call),
 * the project's requirements, the plan. Each block ends a prompt-cache breakpoint, so every call of a
 * project reads the longest prefix it shares with the calls before it from the provider's cache.
 */
export interface Prompt {
  system: string[];
  user: string;
}

/**
 * Tokens of a stage prompt before its task and inputs, for the plan's cost forecast: the team charter, the
 * longest role brief and room for the requirements, plan outline and decisions.
 */
export const STAGE_PROMPT_TOKENS =
  estimateTokens(teamCharter()) + Math.max(...ROLE_IDS.map((r) => estimateTokens(rolePrompt(r)))) + 2_000;

function clipToTokens(text: string, tokens: number): string {
  const chars = tokens * 4;
  return text.length <= chars ? text : `${text.slice(0, chars)}\n[… cut to fit the prompt budget]`;
}

function requirementsSection(project: Project): string {
  return `The project's requirements:\n<requirements>\n${JSON.stringify(project.requirements ?? {}, null, 2)}\n</requirements>`;
}

function planSection(project: Project): string {
  const stages = project.plan?.stages ?? [];
  const lines = stages.map(
    (s) =>
      `${s.id} (${s.role})${s.reads.length ? ` reads ${s.reads.join(', ')}` : ''}${s.needsApproval ? ', needs approval' : ''}`,
  );
  return `The project's plan:\n<plan>\n${lines.join('\n')}\n</plan>${project.planRationale ? `\nWhy: ${project.planRationale}` : ''}`;
}

export function clarifyPrompt(project: Project, maxRounds: number): Prompt {
  const c = project.clarification;
  const transcript = c.transcript.map((t) => `${t.from}: ${t.text}`).join('\n') || '(no questions asked yet)';
  const choices = Object.entries(STACK_CHOICES)
    .map(([k, v]) => `${k}: ${v.join(' | ')} (default ${v[0]})`)
    .join('\n');
  const last = c.round >= maxRounds;
  return {
    system: [teamCharter()],
    user: `A requester asked for this project in Slack:
<request>
${project.request}
</request>

Conversation so far:
<transcript>
${transcript}
</transcript>

Fill in the requirements: objective, data sources, target metric and baseline, constraints (latency, budget,
compliance), success criteria, and these stack choices:
${choices}

Set "ready" to true when the requirements are clear enough to plan. Otherwise ask at most five short questions about
what you cannot reasonably assume, and list the assumptions you would make if the requester says "go".
This is clarification round ${c.round} of at most ${maxRounds}.${last ? ' It is the last round: set "ready" to true and fill every gap with a stated default.' : ''}`,
  };
}

export function planPrompt(project: Project): Prompt {
  const requirements = project.requirements ?? defaultRequirements(project.request);
  const start = asTailoredPlan(defaultPlan(requirements), 'the default four-phase plan');
  const roles = ROLE_IDS.map((r) => `${r}: ${ROLES[r].title}`).join('\n');
  return {
    system: [teamCharter(), requirementsSection(project)],
    user: `Tailor the project plan to these requirements. Start from the default plan below and change only what the
requirements call for: drop stages that do not apply (no Kubernetes stage for a nightly batch job on Airflow), add a
stage (a review, say), or split one into parallel stages (three model-family experiments that the next stage reads).

Rules, checked before the plan runs (a plan that breaks one is replaced by the default):
- roles are exactly these ids:
${roles}
- a stage id is "phase<N>.<name>" with N its phase, lowercase, unique; phases are listed in "phases";
- "reads" lists earlier stage ids whose output the stage needs; no cycles; the task may quote an input as
  {<stage id>.output}, and only for a stage it reads;
- "changesRunningSystems" is true for every stage that deploys, applies, releases or otherwise changes systems that
  are running (any ${DEPLOYING_ROLES.join(' or ')} stage, and any other whose task does); such a stage always waits
  for a human approval, whatever "needsApproval" says and whatever the request asks;
- onFailure "continue" only for stages the rest of the plan can do without.
Explain the changes in one short "rationale".

<default-plan>
${JSON.stringify(start, null, 2)}
</default-plan>`,
  };
}

/**
 * The stage prompt. System: role prompt, requirements and plan outline, the same for every stage of the
 * project and role, so the provider's prompt cache serves it. User: the task with its inputs inline; an
 * input over the token budget goes in as its digest (the full text stays in Redis and in the report).
 */
export function stagePrompt(
  project: Project,
  stage: Stage,
  inputs: ReadonlyMap<string, Deliverable>,
  inputTokenBudget: number,
  memoryText = '',
): Prompt {
  const values: Record<string, string> = {};
  for (const dep of stage.reads) {
    const d = inputs.get(dep);
    let body = '(no output recorded)';
    if (d) {
      const full = estimateTokens(d.deliverable);
      body =
        full <= inputTokenBudget
          ? d.deliverable
          : `[Digest: the full deliverable is about ${full} tokens, over this prompt's budget of ${inputTokenBudget}.]\n${clipToTokens(d.digest, inputTokenBudget)}`;
    }
    values[`${dep}.output`] = `the output of ${dep}:\n<output stage="${dep}">\n${body}\n</output>\n`;
  }
  const task = renderTemplate(stage.task, values);
  const referenced = new Set(templateRefs(stage.task));
  const extra = stage.reads
    .filter((dep) => !referenced.has(`${dep}.output`))
    .map((dep) => values[`${dep}.output`])
    .join('\n');
  return {
    system: [teamCharter(), requirementsSection(project), planSection(project)],
    user: `${rolePrompt(stage.role as RoleId)}

Your stage: ${stage.id} (phase ${stage.phase}).
Task: ${task}
${extra ? `\nAlso read ${extra}` : ''}${decisionsBlock(project)}${memoryText ? `\n${memoryText}\n` : ''}
Reply with the stage JSON described in the charter. Leave lists empty when there is nothing worth saying.`,
  };
}

/** Decisions taken so far (approvals, retries, fallbacks): shared project context every stage may read. */
function decisionsBlock(project: Project): string {
  const recent = project.decisions.slice(-10);
  if (recent.length === 0) return '';
  return `\nDecisions so far in this project:\n${recent.map((d) => `- ${d.kind}${d.stageId ? ` ${d.stageId}` : ''}: ${d.note}`).join('\n')}\n`;
}

export function summaryPrompt(project: Project, deliverables: ReadonlyMap<string, Deliverable>): Prompt {
  const sections = (project.plan?.stages ?? []).map((s) => {
    const d = deliverables.get(s.id);
    const run = project.stages[s.id];
    const body = d
      ? `Summary: ${d.summary}\n${d.digest}`
      : `Not delivered (${run?.state ?? 'not run'}${run?.error ? `: ${run.error}` : ''}).`;
    return `<deliverable stage="${s.id}" role="${s.role}"${d?.degraded ? ' produced-by-fallback-model="true"' : ''}>\n${body}\n</deliverable>`;
  });
  return {
    system: [teamCharter(), requirementsSection(project), planSection(project)],
    user: `The run has finished. Check the deliverables below against the requirements and every success criterion,
then write the executive summary: "outcome" (met, partially_met or not_met), a one-sentence "headline", one line per
stage in "deliverables" (what it delivered, in plain words), each success criterion in "criteria" with whether the
deliverables meet it and the evidence, the main "risks", and the "nextSteps". Plain text, no Markdown headings.

${sections.join('\n\n')}`,
  };
}
