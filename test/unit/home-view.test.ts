import { describe, expect, it } from 'vitest';
import {
  buildHomeView,
  HOME_ACTIONS,
  HOME_BLOCK_LIMIT,
  HOME_PAGE_SIZE,
  renderProjectStatus,
} from '../../src/bot/views/home.js';
import { defaultPlan } from '../../src/domain/plan.js';
import { newProject, type Project } from '../../src/domain/project.js';
import { listForUser, progressOf } from '../../src/domain/project-listing.js';
import { FIXTURE_REQUIREMENTS } from '../support/fixtures.js';

const ME = 'UREQ';
const APPROVER = 'UAPPROVER';

type Block = {
  type: string;
  text?: { text: string };
  accessory?: { action_id: string; value: string };
  elements?: Array<{ action_id: string; value: string; text: { text: string } }>;
};

let seq = 0;
/** A project of `ME` in one of the states App Home tells apart. */
function project(kind: 'gate' | 'questions' | 'running' | 'completed', n = ++seq): Project {
  const p = newProject({
    teamId: 'T1',
    channelId: 'C1',
    threadTs: `17000${String(n).padStart(5, '0')}.000100`,
    requesterId: ME,
    request: `request number ${n}`,
    now: 1_000 + n,
  });
  p.updatedAt = 1_000 + n;
  if (kind === 'questions') {
    p.clarification.last = {
      ready: false,
      questions: ['Where is the data?'],
      requirements: FIXTURE_REQUIREMENTS,
      assumptions: [],
    };
    return p;
  }
  p.requirements = FIXTURE_REQUIREMENTS;
  p.plan = defaultPlan(FIXTURE_REQUIREMENTS);
  const ids = p.plan.stages.map((s) => s.id);
  p.phase = kind === 'completed' ? 'completed' : 'running';
  ids.forEach((id, i) => {
    const doneUpTo = kind === 'completed' ? ids.length : 3;
    p.stages[id] = { state: i < doneUpTo ? 'done' : 'pending', attempt: 1 };
  });
  if (kind === 'gate') {
    const gated = p.plan.stages.find((s) => s.needsApproval);
    if (!gated) throw new Error('the default plan has no gate');
    p.stages[gated.id] = { state: 'awaiting_approval', attempt: 1, gateRound: 1 };
  }
  p.usage = { ...p.usage, costUsd: 0.42 };
  return p;
}

const blocksOf = (projects: Project[], page = 0, userId = ME, approverIds: string[] = []) =>
  buildHomeView({ userId, projects, approverIds, page }).view.blocks as unknown as Block[];

const statusButtons = (blocks: Block[]) =>
  blocks.filter((b) => b.accessory?.action_id === HOME_ACTIONS.status);
const pagerButtons = (blocks: Block[]) =>
  blocks.flatMap((b) => (b.type === 'actions' ? (b.elements ?? []) : []));
const textOf = (blocks: Block[]) =>
  blocks.map((b) => b.text?.text ?? JSON.stringify(b.elements ?? '')).join('\n');

describe('App Home view', () => {
  it('with no projects, says how to start one', () => {
    const blocks = blocksOf([]);
    expect(blocks.length).toBeLessThanOrEqual(HOME_BLOCK_LIMIT);
    expect(statusButtons(blocks)).toHaveLength(0);
    expect(textOf(blocks)).toMatch(/no projects yet/);
    expect(textOf(blocks)).toContain('/pipewright new');
    expect(textOf(blocks)).toMatch(/Messages\* tab/);
  });

  it('with one project, shows its title linked to its thread, state, progress, spend and a Status button', () => {
    const p = project('running');
    const blocks = blocksOf([p]);
    const text = textOf(blocks);
    expect(text).toContain(
      `<https://slack.com/archives/C1/p${p.threadTs.replace('.', '')}|${FIXTURE_REQUIREMENTS.objective}>`,
    );
    expect(text).toContain('running');
    expect(text).toContain(`3/${p.plan?.stages.length} stages`);
    expect(text).toContain('spent $0.42');
    expect(statusButtons(blocks).map((b) => b.accessory?.value)).toEqual([p.id]);
    expect(pagerButtons(blocks)).toHaveLength(0);
  });

  it('lists what waits on the person first, then active, then recent', () => {
    const done = project('completed');
    const running = project('running');
    const asked = project('questions');
    const gate = project('gate');
    const order = statusButtons(blocksOf([done, running, asked, gate])).map((b) => b.accessory?.value);
    // Both waiting ones first (newest change first), then the active, then the finished one.
    expect(order).toEqual([gate.id, asked.id, running.id, done.id]);
    const text = textOf(blocksOf([done, running, asked, gate]));
    expect(text.indexOf('Waiting on you')).toBeLessThan(text.indexOf('Active'));
    expect(text.indexOf('Active')).toBeLessThan(text.indexOf('Recent'));
    expect(text).toMatch(/Waiting on you: your approval of `phase3/);
    expect(text).toMatch(/Waiting on you: your answers to its questions/);
  });

  it('a gate waits on the configured approvers, not on the requester, when there are approvers', () => {
    const gate = project('gate');
    expect(listForUser([gate], APPROVER, [APPROVER])[0]?.group).toBe('waiting');
    expect(listForUser([gate], ME, [APPROVER])[0]?.group).toBe('active');
    expect(listForUser([gate], ME, [])[0]?.group).toBe('waiting');
  });

  it('with 60 projects, pages them under 100 blocks with next and previous buttons', () => {
    const projects = Array.from({ length: 60 }, (_, i) =>
      project((['gate', 'questions', 'running', 'completed'] as const)[i % 4] ?? 'running'),
    );
    const pages = [0, 1, 2].map((page) => blocksOf(projects, page));
    for (const blocks of pages) expect(blocks.length).toBeLessThanOrEqual(HOME_BLOCK_LIMIT);
    expect(pages.map((b) => statusButtons(b).length)).toEqual([
      HOME_PAGE_SIZE,
      HOME_PAGE_SIZE,
      60 - 2 * HOME_PAGE_SIZE,
    ]);
    const seen = pages.flatMap((b) => statusButtons(b).map((s) => s.accessory?.value));
    expect(new Set(seen).size).toBe(60);
    expect(pagerButtons(pages[0] ?? []).map((b) => [b.action_id, b.value])).toEqual([
      [HOME_ACTIONS.nextPage, '1'],
    ]);
    expect(pagerButtons(pages[1] ?? []).map((b) => [b.action_id, b.value])).toEqual([
      [HOME_ACTIONS.previousPage, '0'],
      [HOME_ACTIONS.nextPage, '2'],
    ]);
    expect(pagerButtons(pages[2] ?? []).map((b) => [b.action_id, b.value])).toEqual([
      [HOME_ACTIONS.previousPage, '1'],
    ]);
    expect(textOf(pages[1] ?? [])).toContain('Page 2 of 3');
    // The order runs across the pages: every waiting project comes before any active one.
    const groups = listForUser(projects, ME, []).map((l) => l.group);
    expect(groups.indexOf('active')).toBeGreaterThan(groups.lastIndexOf('waiting'));
  });

  it('clamps a page past the end to the last page', () => {
    const projects = Array.from({ length: 25 }, () => project('running'));
    const built = buildHomeView({ userId: ME, projects, approverIds: [], page: 9 });
    expect(built.page).toBe(1);
    expect(JSON.parse(built.view.private_metadata)).toEqual({ page: 1 });
  });

  it('escapes a request that tries to ping or break the link', () => {
    const p = project('questions');
    p.request = 'ship it <!channel> |now> & <https://evil|x>';
    const text = textOf(blocksOf([p]));
    expect(text).not.toContain('<!channel>');
    expect(text).toContain('&lt;!channel&gt;');
  });

  it('progress counts done stages of the plan', () => {
    expect(progressOf(project('completed'))).toEqual({ done: 7, total: 7 });
  });

  it('renders a project status for a direct message, naming and linking the project', () => {
    const p = project('running');
    const message = renderProjectStatus(p, { offlineModel: false });
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    expect(JSON.stringify(message.blocks)).toContain('https://slack.com/archives/C1/');
    expect(JSON.stringify(message.blocks)).toContain('phase1.data-engineer');
  });
});
