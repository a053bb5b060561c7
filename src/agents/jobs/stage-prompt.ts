import { type ChecklistItem, effectiveChecklist, ROLE_CHECKLISTS } from '../../domain/checklists.js';
import type { Deliverable } from '../../domain/deliverable.js';
import type { DeliverableFile, FileProblem } from '../../domain/deliverable-files.js';
import type { Stage } from '../../domain/plan.js';
import type { Project } from '../../domain/project.js';
import { type ChecklistReview, stillOwed } from '../../domain/review.js';
import { ROLE_IDS, type RoleId, rolePrompt, teamCharter } from '../../domain/roles.js';
import { estimateTokens } from '../../domain/spending.js';
import { renderTemplate, templateRefs } from '../../domain/template.js';
import { type Prompt, planSection, requirementsSection } from './prompt-sections.js';
import type { StageOutput } from './stage-output.js';

/**
 * Tokens of a stage prompt before its task and inputs, for the plan's cost forecast: the team charter, the
 * longest role brief and room for the requirements, plan outline and decisions.
 */
export const STAGE_PROMPT_TOKENS =
  estimateTokens(teamCharter()) +
  Math.max(
    ...ROLE_IDS.map(
      (r) => estimateTokens(rolePrompt(r)) + estimateTokens(checklistBlock(ROLE_CHECKLISTS[r])),
    ),
  ) +
  2_000;

/** What the stage owes, one item a line, so the author can answer each (a later review grades them). */
export function checklistBlock(items: readonly ChecklistItem[]): string {
  if (items.length === 0) return '';
  const lines = items.map((i) => `- ${i.id}${i.blocking ? ' (blocking)' : ''}: ${i.text}`);
  return `\nYour checklist: the deliverable must cover every item; a missing blocking item sends the work back.\n${lines.join('\n')}\n`;
}

function clipToTokens(text: string, tokens: number): string {
  const chars = tokens * 4;
  return text.length <= chars ? text : `${text.slice(0, chars)}\n[… cut to fit the prompt budget]`;
}

/** Every stage this one builds on, directly or through the stages it reads, in plan order. */
export function upstreamStageIds(project: Project, stage: Stage): string[] {
  const stages = project.plan?.stages ?? [];
  const found = new Set<string>();
  const visit = (id: string) => {
    for (const dep of stages.find((s) => s.id === id)?.reads ?? []) {
      if (found.has(dep)) continue;
      found.add(dep);
      visit(dep);
    }
  };
  visit(stage.id);
  return stages.filter((s) => found.has(s.id)).map((s) => s.id);
}

/**
 * Upstream files: every path with its stage, language and size, and the whole content of the files the
 * task names (by path or file name) while they fit the input budget; the rest are listed, not included.
 */
export function upstreamFilesBlock(
  task: string,
  upstream: ReadonlyMap<string, Deliverable>,
  tokenBudget: number,
): string {
  const all = [...upstream.values()].flatMap((d) => (d.files ?? []).map((f) => ({ stageId: d.stageId, f })));
  if (all.length === 0) return '';
  const named = (f: DeliverableFile) =>
    task.includes(f.path) || task.includes(f.path.slice(f.path.lastIndexOf('/') + 1));
  let left = tokenBudget;
  const included: string[] = [];
  const lines = all.map(({ stageId, f }) => {
    const size = estimateTokens(f.content);
    let note = '';
    if (named(f)) {
      if (size <= left) {
        left -= size;
        included.push(`<file path="${f.path}" stage="${stageId}">\n${f.content}\n</file>`);
        note = ' (included below)';
      } else note = ' (named by your task, but over the prompt budget: not included)';
    }
    return `- ${f.path} from ${stageId} (${f.language}, ~${size} tokens)${note}`;
  });
  return `\nFiles the earlier stages handed over (the repository so far; write a file with the same path to replace it):\n${lines.join('\n')}\n${included.join('\n')}${included.length > 0 ? '\n' : ''}`;
}

/**
 * The stage prompt. System: role prompt, requirements and plan outline, the same for every stage of the
 * project and role, so the provider's prompt cache serves it. User: the task with its inputs inline; an
 * input over the token budget goes in as its digest (the full text stays in Redis and in the report).
 * `upstream` holds the deliverables of every stage upstream (for their files); `inputs` those it reads.
 */
export function stagePrompt(
  project: Project,
  stage: Stage,
  inputs: ReadonlyMap<string, Deliverable>,
  inputTokenBudget: number,
  memoryText = '',
  upstream: ReadonlyMap<string, Deliverable> = inputs,
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
${extra ? `\nAlso read ${extra}` : ''}${upstreamFilesBlock(stage.task, upstream, inputTokenBudget)}${checklistBlock(effectiveChecklist(stage))}${decisionsBlock(project)}${memoryText ? `\n${memoryText}\n` : ''}
Reply with the stage JSON described in the charter. Leave lists empty when there is nothing worth saying.`,
  };
}

/** Decisions taken so far (approvals, retries, fallbacks): shared project context every stage may read. */
function decisionsBlock(project: Project): string {
  const recent = project.decisions.slice(-10);
  if (recent.length === 0) return '';
  return `\nDecisions so far in this project:\n${recent.map((d) => `- ${d.kind}${d.stageId ? ` ${d.stageId}` : ''}: ${d.note}`).join('\n')}\n`;
}

/** What the review found, for the author's revision round: what is owed, the reviewer's advice, file problems. */
export function reviewFeedback(review: ChecklistReview, problems: readonly FileProblem[]): string {
  const owed = stillOwed(review).map(
    (i) =>
      `- ${i.id}${i.blocking ? ' (blocking)' : ''}: ${i.grade}${i.gap ? `: ${i.gap}` : ''}${i.evidence ? ` (you wrote: "${i.evidence.slice(0, 200)}")` : ''}`,
  );
  const fileLines = problems.map((p) => `- ${p.path}: ${p.message}`);
  return [
    owed.length > 0 ? `Checklist items not yet met:\n${owed.join('\n')}` : '',
    review.comments ? `The reviewer's advice: ${review.comments}` : '',
    fileLines.length > 0
      ? `Problems with your files (fix each, or drop the file):\n${fileLines.join('\n')}`
      : '',
  ]
    .filter((p) => p.length > 0)
    .join('\n\n');
}

/**
 * The revision round: the stage prompt again, the author's first answer, and the independent review. The
 * answer replaces the first one whole, so it must repeat what was already right.
 */
export function revisionPrompt(
  base: Prompt,
  previous: StageOutput,
  review: ChecklistReview,
  problems: readonly FileProblem[],
): Prompt {
  const files = previous.files.map(
    (f) => `<file path="${f.path}" language="${f.language}">\n${f.content}\n</file>`,
  );
  return {
    system: base.system,
    user: `${base.user}

You answered this task before. Your deliverable:
<previous_deliverable>
${previous.deliverable}
</previous_deliverable>
${files.length > 0 ? `Your files:\n${files.join('\n')}\n` : ''}
An independent reviewer checked it against your checklist:
<review>
${reviewFeedback(review, problems)}
</review>

Revise once: reply with the complete stage JSON again (the whole deliverable and every file, not only the changes),
covering what the review found missing and fixing every file problem. Keep what was already right.`,
  };
}
