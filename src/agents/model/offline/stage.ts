import { effectiveChecklist } from '../../../domain/checklists.js';
import { defaultRequirements } from '../../../domain/requirements.js';
import { ROLES, type RoleId } from '../../../domain/roles.js';
import type { StageOutput } from '../../jobs/stage.js';
import type { ModelPurpose } from '../provider.js';
import { checklistAnswers, checklistSection } from './checklist.js';
import { offlineFiles } from './files.js';
import { draftFor, type RoleDraft } from './roles.js';
import { seededRng } from './seed.js';
import { readSignals } from './signals.js';

type StagePurpose = Extract<ModelPurpose, { job: 'stage' }>;

const STOP_WORDS = new Set(
  'a an and the for our of to in on with from by behind build make create train serve it we us please can you could want need new model'.split(
    ' ',
  ),
);

/** A short name for the project's artefacts (tables, services, packages): its first telling words. */
export function artefactName(request: string): string {
  const words = request
    .toLowerCase()
    .replace(/<[^>]*>/g, ' ')
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 2 && !STOP_WORDS.has(w));
  return `${words.slice(0, 2).join('-') || 'project'}-model`.slice(0, 40);
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

/** A table in Markdown; pipes in cells are escaped so a cell never splits. */
function markdownTable(columns: readonly string[], rows: readonly string[][]): string {
  const cell = (c: string) => c.replace(/\|/g, '\\|');
  return [
    `| ${columns.map(cell).join(' | ')} |`,
    `| ${columns.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n');
}

function deliverableMarkdown(p: StagePurpose, draft: RoleDraft, slug: string): string {
  const { stage } = p;
  const task = stage.task.replace(/\{([^}]+)\.output\}/g, '`$1`');
  const inputs = stage.reads.map((id) => {
    const d = p.inputs.get(id);
    return `- **${id}**: ${d ? clip(d.summary, 240) : 'no output recorded; assumptions stated below'}`;
  });
  const parts = [
    `# ${stage.id}: ${ROLES[stage.role].title}`,
    `_Task:_ ${task}`,
    `> Made up by Pipewright's offline model, not by Claude: a realistic example of this stage's deliverable.`,
    ...(inputs.length > 0 ? [`## Builds on\n${inputs.join('\n')}`] : []),
    ...draft.sections.map((s) => `## ${s.heading}\n${s.lines.join('\n')}`),
    `## ${draft.table.heading}\n${markdownTable(draft.table.columns, draft.table.rows)}`,
    `## Files\n${offlineFiles(stage.role, stage.id, slug, draft)
      .map(
        (f, i) =>
          `- \`${f.path}\` (${f.language}): ${i === 0 ? draft.code.heading.toLowerCase() : 'its configuration'}`,
      )
      .join('\n')}`,
    `## Risks\n${draft.risks.map((r) => `- ${r}`).join('\n')}`,
    `## Hand-over\n${draft.handover.map((h) => `- ${h}`).join('\n')}`,
    checklistSection(effectiveChecklist(stage), checklistAnswers(p), slug),
  ].filter((part) => part.length > 0);
  return parts.join('\n\n');
}

/** Who reads this stage's output: the roles it leaves its hand-over for ("all" when none does). */
function readersOf(p: StagePurpose): Array<RoleId | 'all'> {
  const roles = (p.project.plan?.stages ?? [])
    .filter((s) => s.reads.includes(p.stage.id) && s.role !== p.stage.role)
    .map((s) => s.role);
  return roles.length > 0 ? [...new Set(roles)].slice(0, 2) : ['all'];
}

/**
 * One stage of the offline model: the stage's role writes a deliverable with real structure (sections, a
 * table, a fenced code block in the role's language) from the requirements and the outputs it reads, and
 * leaves what it learned for its role's memory and its readers.
 */
export function composeStage(p: StagePurpose): StageOutput {
  const { project, stage } = p;
  const requirements = project.requirements ?? defaultRequirements(project.request);
  const rng = seededRng('stage', project.id, project.request, stage.id, p.attempt);
  const slug = artefactName(project.request);
  const draft = draftFor(stage, {
    requirements,
    problem: readSignals(`${project.request}\n${requirements.objective}`).problem,
    rng,
    slug,
  });
  const headline = clip(`${draft.headline.charAt(0).toUpperCase()}${draft.headline.slice(1)}`, 560);
  const digest = [
    `${stage.id} (${ROLES[stage.role].title}): ${headline}`,
    ...draft.handover.map((h) => `- ${h}`),
    `${draft.table.heading}: ${draft.table.rows.map((r) => r.join(' / ')).join('; ')}`,
  ].join('\n');
  const confidence = Math.round((0.6 + rng.next() * 0.3) * 100) / 100;
  return {
    summary: headline,
    deliverable: deliverableMarkdown(p, draft, slug),
    files: offlineFiles(stage.role, stage.id, slug, draft),
    digest: clip(digest, 8_000),
    outcome: 'success',
    risks: draft.risks.slice(0, 5).map((r) => clip(r, 300)),
    keyInsights: [draft.insight.text, ...draft.risks.slice(0, 1)].map((t) => clip(t, 300)),
    delegations: [],
    insights: [
      {
        area: clip(draft.insight.area, 80),
        insight: clip(draft.insight.text, 600),
        impact: rng.pick(['medium', 'high'] as const),
        confidence,
        tags: draft.insight.tags.slice(0, 8).map((t) => clip(t, 40)),
      },
    ],
    messages: readersOf(p).map((to) => ({
      to,
      type: 'insight' as const,
      priority: 'normal' as const,
      text: clip(`From ${stage.id}: ${draft.handover.join(' ')}`, 800),
    })),
  };
}
