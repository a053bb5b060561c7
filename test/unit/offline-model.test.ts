import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type StageOutput, stageOutputSchema } from '../../src/agents/jobs/stage.js';
import { ModelCallError } from '../../src/agents/model/errors.js';
import { thinkingTimeMs } from '../../src/agents/model/offline/latency.js';
import { OFFLINE_MODEL, OfflineProvider } from '../../src/agents/model/offline/provider.js';
import type { ModelPrompt, ModelPurpose } from '../../src/agents/model/provider.js';
import type { Deliverable } from '../../src/domain/deliverable.js';
import { checkFiles } from '../../src/domain/deliverable-files.js';
import { ModelOutputError } from '../../src/domain/errors.js';
import { acceptTailoredPlan, type Plan, tailoredPlanSchema } from '../../src/domain/plan.js';
import {
  executiveSummarySchema,
  newProject,
  type Project,
  summaryAnswerSchema,
} from '../../src/domain/project.js';
import { clarifyOutputSchema, type Requirements } from '../../src/domain/requirements.js';
import { ROLE_IDS, type RoleId } from '../../src/domain/roles.js';
import { ZERO_USAGE } from '../../src/domain/usage.js';

const offline = new OfflineProvider({ latencyMs: 0 });
let thread = 0;

function project(request: string, threadTs = `17000000${++thread}.0001`): Project {
  return newProject({ teamId: 'T1', channelId: 'C1', threadTs, requesterId: 'U1', request, now: 0 });
}

function prompt(purpose: ModelPurpose, signal?: AbortSignal): ModelPrompt {
  return {
    system: [],
    user: '(ignored by the offline model)',
    purpose,
    maxTokens: 1000,
    ...(signal ? { signal } : {}),
  };
}

async function clarify(p: Project, maxRounds = 3) {
  p.clarification.round += 1;
  return (await offline.structured(prompt({ job: 'clarify', project: p, maxRounds }), clarifyOutputSchema))
    .value;
}

async function requirementsOf(request: string): Promise<{ project: Project; requirements: Requirements }> {
  const p = project(request);
  const out = await clarify(p, 1);
  p.requirements = out.requirements;
  return { project: p, requirements: out.requirements };
}

async function planFor(request: string): Promise<{ project: Project; plan: Plan }> {
  const { project: p } = await requirementsOf(request);
  const tailored = (await offline.structured(prompt({ job: 'plan', project: p }), tailoredPlanSchema)).value;
  const { plan, problems } = acceptTailoredPlan(tailored);
  expect(problems).toEqual([]);
  p.plan = plan;
  p.planRationale = tailored.rationale;
  return { project: p, plan };
}

async function runStages(p: Project): Promise<Map<string, Deliverable>> {
  const done = new Map<string, Deliverable>();
  for (const stage of p.plan?.stages ?? []) {
    const { value } = await offline.structured(
      prompt({ job: 'stage', project: p, stage, attempt: 1, inputs: done }),
      stageOutputSchema,
    );
    done.set(stage.id, deliverableOf(stage.id, stage.role, value));
    p.stages[stage.id] = { state: 'done', attempt: 1 };
  }
  return done;
}

function deliverableOf(stageId: string, role: string, out: StageOutput): Deliverable {
  return {
    stageId,
    attempt: 1,
    role,
    summary: out.summary,
    deliverable: out.deliverable,
    digest: out.digest,
    files: checkFiles(out.files).files,
    fileProblems: checkFiles(out.files).problems,
    ...(out.risks ? { risks: out.risks } : {}),
    usage: ZERO_USAGE,
    model: OFFLINE_MODEL,
    degraded: false,
    jobAttempts: 1,
    workerId: 'w',
    startedAt: 0,
    producedAt: 1,
  };
}

const BARE = 'build a churn model for our subscription data';
const COMPLETE =
  'Build a churn model from Postgres table subscriptions, served as a real-time API with p99 under 100 ms. ' +
  'Budget $2k/month, GDPR applies, check fairness across age groups. AUC must beat the baseline of 0.70 from the rules engine.';

describe('offline clarification', () => {
  it('asks about data, latency, budget and fairness when the request leaves them open', async () => {
    const out = await clarify(project(BARE));
    expect(out.ready).toBe(false);
    const asked = out.questions.join('\n');
    expect(asked).toMatch(/data/i);
    expect(asked).toMatch(/fast|latency/i);
    expect(asked).toMatch(/cost|budget/i);
    expect(asked).toMatch(/fair|bias/i);
    expect(out.questions.length).toBeLessThanOrEqual(5);
    expect(out.assumptions.length).toBeGreaterThan(0);
  });

  it('asks nothing the request already says, and is ready when it says everything', async () => {
    const complete = await clarify(project(COMPLETE));
    expect(complete).toMatchObject({ ready: true, questions: [] });
    expect(complete.requirements).toMatchObject({
      targetMetric: 'AUC',
      dataSources: ['PostgreSQL: table subscriptions'],
      constraints: { latency: 'p99 under 100 ms', budget: '$2k/month' },
    });
    expect(complete.requirements.constraints.compliance).toMatch(/GDPR.*fairness/);

    const latencyStated = await clarify(project('churn model behind an API, p95 under 50 ms'));
    expect(latencyStated.questions.join('\n')).not.toMatch(/fast|latency/i);
    expect(latencyStated.questions.join('\n')).toMatch(/data/i);
    const budgetStated = await clarify(project('churn model, budget $500 per month, fairness matters'));
    expect(budgetStated.questions.join('\n')).not.toMatch(/cost|budget|fair/i);
  });

  it('is ready once the requester has answered, and takes the answers into the requirements', async () => {
    const p = project(BARE);
    await clarify(p);
    p.clarification.transcript.push({
      from: 'requester',
      text: 'It lives in Snowflake. p99 under 80 ms.',
      at: 1,
    });
    const out = await clarify(p);
    expect(out).toMatchObject({ ready: true, questions: [] });
    expect(out.requirements.dataSources).toEqual(['Snowflake']);
    expect(out.requirements.constraints.latency).toBe('p99 under 80 ms');
  });

  it('takes the stack choices the request names, and defaults for the rest', async () => {
    const { requirements } = await requirementsOf(
      'nightly demand forecast on GCP orchestrated with Dagster, tracked in wandb',
    );
    expect(requirements.stack).toMatchObject({
      cloud: 'gcp',
      orchestration: 'dagster',
      experimentTracking: 'wandb',
      deploymentMode: 'batch',
      serving: 'kserve',
    });
    expect(requirements.targetMetric).toBe('MAPE');
  });
});

describe('offline plan', () => {
  it('keeps the default plan for a real-time service, with the deploying stages gated', async () => {
    const { plan, project: p } = await planFor(COMPLETE);
    expect(plan.stages.map((s) => s.role)).toEqual(expect.arrayContaining([...ROLE_IDS]));
    for (const s of plan.stages.filter((st) => st.phase === 3)) expect(s.needsApproval).toBe(true);
    expect(p.planRationale).toBeTruthy();
  });

  it('drops Kubernetes for a batch job, and deployment for an analysis', async () => {
    const batch = await planFor('nightly churn scoring on Airflow from Snowflake');
    expect(batch.plan.stages.map((s) => s.id)).not.toContain('phase3.kubernetes-architect');
    expect(batch.plan.stages.map((s) => s.id)).toContain('phase3.mlops-engineer');
    expect(batch.project.planRationale).toMatch(/Kubernetes/);

    const analysis = await planFor('a one-off analysis of what drives churn in our CSV exports');
    expect(analysis.plan.stages.every((s) => s.phase <= 2)).toBe(true);
    expect(analysis.plan.phases.map((ph) => ph.number)).toEqual([1, 2]);
  });

  it('runs model experiments in parallel when models are to be compared, and adds a fairness review', async () => {
    const { plan } = await planFor(
      'compare model families for fraud detection on Kafka events; fairness matters',
    );
    const ids = plan.stages.map((s) => s.id);
    expect(ids).toEqual(
      expect.arrayContaining(['phase2.experiment-a', 'phase2.experiment-b', 'phase2.fairness-review']),
    );
    expect(plan.stages.find((s) => s.id === 'phase2.ml-engineer')?.reads).toEqual([
      'phase2.experiment-a',
      'phase2.experiment-b',
    ]);
  });
});

const CODE_LANGUAGE: Record<RoleId, string> = {
  'data-engineer': 'sql',
  'data-scientist': 'python',
  'ml-engineer': 'python',
  'python-pro': 'python',
  'mlops-engineer': 'yaml',
  'kubernetes-architect': 'yaml',
  'observability-engineer': 'yaml',
};

describe('offline stage deliverables', () => {
  it('gives every role a deliverable with sections and a table, and its code as files that pass the checks', async () => {
    const { project: p } = await planFor(COMPLETE);
    const delivered = await runStages(p);
    expect(new Set([...delivered.values()].map((d) => d.role))).toEqual(new Set(ROLE_IDS));
    for (const d of delivered.values()) {
      const md = d.deliverable;
      expect(md.match(/^## /gm)?.length ?? 0, d.stageId).toBeGreaterThanOrEqual(4);
      expect(md, d.stageId).toMatch(/^\| .+ \|\n\| --- (\| --- )+\|\n\| .+ \|$/m);
      // Code comes as files, not as blocks in the prose, which names them.
      expect(md.match(/^```/gm), d.stageId).toBeNull();
      expect(d.fileProblems, d.stageId).toEqual([]);
      expect(d.files?.[0]?.language, d.stageId).toBe(CODE_LANGUAGE[d.role as RoleId]);
      for (const f of d.files ?? []) {
        expect(md, d.stageId).toContain(`\`${f.path}\``);
        if (f.parses !== undefined) expect(f.parses, `${d.stageId} ${f.path}`).toBe(true);
      }
    }
    // A stage names what it builds on.
    expect(delivered.get('phase1.data-scientist')?.deliverable).toMatch(
      /## Builds on\n- \*\*phase1.data-engineer\*\*/,
    );
  });

  it('answers the same stage of the same project the same way, and other projects differently', async () => {
    const a = await planFor(COMPLETE);
    const stage = a.plan.stages[3];
    if (!stage) throw new Error('no stage');
    const ask = (p: Project) =>
      offline.structured(
        prompt({ job: 'stage', project: p, stage, attempt: 1, inputs: new Map() }),
        stageOutputSchema,
      );
    expect((await ask(a.project)).value).toEqual((await ask(a.project)).value);
    const others = await Promise.all(
      ['1', '2', '3', '4'].map(
        async (n) => (await ask(project(COMPLETE, `1800000${n}.0001`))).value.deliverable,
      ),
    );
    expect(new Set([...others, (await ask(a.project)).value.deliverable]).size).toBeGreaterThan(1);
  });
});

describe('offline stages of a tailored plan', () => {
  it('delivers what a review or an experiment stage asks, not its role in general', async () => {
    const { project: p } = await planFor(
      'compare model families for fraud detection on Kafka events; fairness matters',
    );
    const delivered = await runStages(p);
    expect(delivered.get('phase2.fairness-review')?.deliverable).toContain('## Per-group results');
    expect(delivered.get('phase2.experiment-a')?.deliverable).toContain('## Measurements');
    expect(delivered.get('phase2.ml-engineer')?.deliverable).toMatch(
      /## Builds on\n- \*\*phase2.experiment-a/,
    );
  });

  it('tailors the plan to what the requester said, not to the questions it was asked', async () => {
    const p = project(BARE);
    p.clarification.transcript.push(
      { from: 'project-manager', text: 'Should we check fairness, or compare model families?', at: 1 },
      { from: 'requester', text: 'Snowflake, served live.', at: 2 },
    );
    p.requirements = (await clarify(p)).requirements;
    const tailored = (await offline.structured(prompt({ job: 'plan', project: p }), tailoredPlanSchema))
      .value;
    expect(tailored.stages.map((s) => s.id)).not.toContain('phase2.fairness-review');
    expect(tailored.stages.map((s) => s.id)).not.toContain('phase2.experiment-a');
  });
});

describe('offline executive summary', () => {
  it('checks every success criterion against the deliverables', async () => {
    const { project: p } = await planFor(COMPLETE);
    const delivered = await runStages(p);
    const { value } = await offline.structured(
      prompt({ job: 'summary', project: p, deliverables: delivered }),
      executiveSummarySchema,
    );
    const criteria = p.requirements?.successCriteria ?? [];
    expect(criteria.length).toBeGreaterThanOrEqual(4);
    expect(value.criteria.map((c) => c.criterion)).toEqual(criteria);
    expect(value.criteria.every((c) => c.status === 'met' && c.evidence.includes('phase'))).toBe(true);
    expect(value.outcome).toBe('met');
    expect(value.deliverables.map((d) => d.stageId)).toEqual(p.plan?.stages.map((s) => s.id));
  });

  it('fills every field of the summary, each claim traced to stages of the plan', async () => {
    const { project: p } = await planFor(COMPLETE);
    const delivered = await runStages(p);
    const { value } = await offline.structured(
      prompt({ job: 'summary', project: p, deliverables: delivered }),
      summaryAnswerSchema,
    );
    const ids = new Set(p.plan?.stages.map((s) => s.id));
    const traced = (stages: string[]) => stages.length > 0 && stages.every((id) => ids.has(id));
    expect(value.criteria.length).toBe(p.requirements?.successCriteria.length);
    expect(value.criteria.every((c) => traced(c.stages) && c.evidence.length > 0)).toBe(true);
    expect(value.businessImpact.summary).toContain(p.requirements?.targetMetric ?? '?');
    expect(value.businessImpact.roi.estimate).toMatch(/months/);
    expect(value.businessImpact.roi.assumptions.join(' ')).toContain(
      p.requirements?.constraints.budget ?? '?',
    );
    expect(value.businessImpact.roi.assumptions.length).toBeGreaterThanOrEqual(3);
    expect(traced(value.businessImpact.stages)).toBe(true);
    // The stages' own risks, each with a mitigation and the stage that named it.
    const stageRisks = [...delivered.values()].flatMap((d) => d.risks ?? []);
    expect(stageRisks.length).toBeGreaterThan(0);
    expect(value.risks.length).toBeGreaterThan(0);
    for (const r of value.risks) {
      expect(traced(r.stages)).toBe(true);
      expect(r.mitigation.length).toBeGreaterThan(0);
      expect(stageRisks.some((text) => text.startsWith(r.risk.replace(/…$/, '')))).toBe(true);
    }
    expect(value.resources.people).toContain('Data engineer');
    expect(value.resources.infrastructure).toContain(p.requirements?.stack.serving ?? '?');
    expect(value.resources.ongoingCost).toContain(p.requirements?.constraints.budget ?? '?');
    expect(value.nextSteps.length).toBeGreaterThanOrEqual(3);
    expect(value.nextSteps.every((n) => traced(n.stages) && (n.owner ?? '').length > 0)).toBe(true);
    // The same project always gets the same summary.
    const again = await offline.structured(
      prompt({ job: 'summary', project: p, deliverables: delivered }),
      summaryAnswerSchema,
    );
    expect(again.value).toEqual(value);
  });

  it('says what was not delivered and which criteria that leaves open', async () => {
    const { project: p } = await planFor(COMPLETE);
    const delivered = await runStages(p);
    for (const id of ['phase3.mlops-engineer', 'phase3.kubernetes-architect', 'phase2.python-pro']) {
      delivered.delete(id);
      p.stages[id] = { state: 'failed', attempt: 1 };
    }
    const { value } = await offline.structured(
      prompt({ job: 'summary', project: p, deliverables: delivered }),
      executiveSummarySchema,
    );
    expect(value.outcome).toBe('partially_met');
    const latency = value.criteria.find((c) => /latency/i.test(c.criterion));
    expect(latency).toMatchObject({ status: 'not_met' });
    expect(latency?.evidence).toContain('phase3.mlops-engineer (failed)');
    expect(value.deliverables.find((d) => d.stageId === 'phase3.mlops-engineer')?.line).toMatch(
      /Not delivered/,
    );
  });
});

describe('the offline provider', () => {
  it('answers as "offline" at no cost', async () => {
    const result = await offline.structured(
      prompt({ job: 'clarify', project: project(BARE), maxRounds: 3 }),
      clarifyOutputSchema,
    );
    expect(result.model).toBe('offline');
    expect(result.usage).toEqual({ ...ZERO_USAGE, calls: 1 });
  });

  it('never ships an answer its schema refuses', async () => {
    const p = project(BARE);
    await expect(
      offline.structured(
        prompt({ job: 'clarify', project: p, maxRounds: 3 }),
        z.object({ something: z.string() }),
      ),
    ).rejects.toBeInstanceOf(ModelOutputError);
  });

  it('stops waiting when the call is aborted, as a retryable model error', async () => {
    const slow = new OfflineProvider({ latencyMs: 600_000 });
    const controller = new AbortController();
    const call = slow.structured(
      prompt({ job: 'plan', project: project(BARE) }, controller.signal),
      tailoredPlanSchema,
    );
    controller.abort();
    const err = await call.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelCallError);
    expect((err as ModelCallError).retryable).toBe(true);
  });

  it('takes about the configured time, the same for the same call, and none when it is 0', () => {
    const purpose: ModelPurpose = { job: 'plan', project: project(BARE) };
    const times = Array.from({ length: 20 }, (_, i) =>
      thinkingTimeMs({ job: 'plan', project: project(`${BARE} ${i}`) }, 1500),
    );
    expect(Math.min(...times)).toBeGreaterThanOrEqual(900);
    expect(Math.max(...times)).toBeLessThanOrEqual(2100);
    expect(new Set(times).size).toBeGreaterThan(1);
    expect(thinkingTimeMs(purpose, 1500)).toBe(thinkingTimeMs(purpose, 1500));
    expect(thinkingTimeMs(purpose, 0)).toBe(0);
  });
});
