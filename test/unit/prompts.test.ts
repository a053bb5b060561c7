import { describe, expect, it } from 'vitest';
import { clarifyPrompt } from '../../src/agents/jobs/clarify.js';
import { planPrompt } from '../../src/agents/jobs/plan.js';
import { stagePrompt } from '../../src/agents/jobs/stage.js';
import { summaryPrompt } from '../../src/agents/jobs/summary.js';
import type { Deliverable } from '../../src/domain/deliverable.js';
import { defaultPlan } from '../../src/domain/plan.js';
import { newProject } from '../../src/domain/project.js';
import { defaultRequirements } from '../../src/domain/requirements.js';
import { estimateTokens } from '../../src/domain/spending.js';
import { deliverableFixture } from '../support/fixtures.js';

const requirements = defaultRequirements('churn model');
const plan = defaultPlan(requirements);
const project = {
  ...newProject({ teamId: 'T', channelId: 'C', threadTs: '1.2', requesterId: 'U', request: 'churn', now: 0 }),
  requirements,
  plan,
  stages: Object.fromEntries(plan.stages.map((s) => [s.id, { state: 'done' as const, attempt: 1 }])),
};

function deliverable(stageId: string, text: string): Deliverable {
  return deliverableFixture({
    stageId,
    role: 'data-engineer',
    deliverable: text,
    digest: `DIGEST OF ${stageId}`,
  });
}

const stage = (id: string) => {
  const s = plan.stages.find((st) => st.id === id);
  if (!s) throw new Error(id);
  return s;
};

describe('stage prompts', () => {
  it('fills {stage.output} with the full output when it fits the budget', () => {
    const inputs = new Map([
      ['phase1.data-engineer', deliverable('phase1.data-engineer', 'TABLES: users, events')],
    ]);
    const p = stagePrompt(project, stage('phase1.data-scientist'), inputs, 1000);
    expect(p.user).toContain('<output stage="phase1.data-engineer">\nTABLES: users, events\n</output>');
    expect(p.user).not.toContain('{phase1.data-engineer.output}');
  });

  it('puts an output over the budget in as its digest, saying so', () => {
    const long = 'x'.repeat(40_000);
    const inputs = new Map([['phase1.data-engineer', deliverable('phase1.data-engineer', long)]]);
    const p = stagePrompt(project, stage('phase1.data-scientist'), inputs, 1000);
    expect(p.user).toContain('DIGEST OF phase1.data-engineer');
    expect(p.user).toContain(`about ${estimateTokens(long)} tokens, over this prompt's budget of 1000`);
    expect(p.user).not.toContain(long.slice(0, 5000));
  });

  it('keeps the cached prefix identical for every stage of a role in the project', () => {
    const a = stagePrompt(project, stage('phase3.mlops-engineer'), new Map(), 1000);
    const b = stagePrompt(
      project,
      { ...stage('phase3.mlops-engineer'), id: 'phase3.mlops-canary', task: 'another task' },
      new Map(),
      1000,
    );
    expect(a.system).toEqual(b.system);
    expect(a.system.join('\n')).toContain('<requirements>');
    expect(a.system.join('\n')).toContain('phase4.observability-engineer (observability-engineer)');
    expect(a.user).not.toBe(b.user);
  });
});

describe('prompt cache layout', () => {
  it('starts every call with the same team charter, long enough for the provider to cache on its own', () => {
    const charter = clarifyPrompt(project, 3).system[0] ?? '';
    expect(estimateTokens(charter)).toBeGreaterThanOrEqual(1024);
    const calls = [
      planPrompt(project),
      stagePrompt(project, stage('phase1.data-engineer'), new Map(), 1000),
      summaryPrompt(project, new Map()),
    ];
    for (const p of calls) expect(p.system[0]).toBe(charter);
    // Plan, stages and summary share the requirements block too; stages and summary also the plan.
    expect(calls[0]?.system[1]).toBe(calls[1]?.system[1]);
    expect(calls[1]?.system[2]).toBe(calls[2]?.system[2]);
    // What differs per call is in the user message: the role and its task.
    expect(calls[1]?.user).toMatch(/^You are the project's data engineer\./);
  });
});
