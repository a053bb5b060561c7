import { describe, expect, it } from 'vitest';
import { planPrompt } from '../../src/agents/jobs/plan.js';
import { stagePrompt } from '../../src/agents/jobs/stage.js';
import { OfflineProvider } from '../../src/agents/model/offline/provider.js';
import type { ModelPurpose } from '../../src/agents/model/provider.js';
import { renderView } from '../../src/bot/views/render.js';
import {
  CHECKLIST_ITEM_ID_PATTERN,
  CHECKLIST_PREFIX,
  type ChecklistAdjustment,
  checklistItemSchema,
  ROLE_CHECKLISTS,
  stageChecklist,
} from '../../src/domain/checklists.js';
import {
  acceptTailoredPlan,
  asTailoredPlan,
  defaultPlan,
  type Plan,
  planProblems,
  tailoredPlanSchema,
} from '../../src/domain/plan.js';
import { newProject, type Project } from '../../src/domain/project.js';
import { clarifyOutputSchema, defaultRequirements } from '../../src/domain/requirements.js';
import { ROLE_IDS } from '../../src/domain/roles.js';

const req = defaultRequirements('churn model behind an API');
const base = (): Plan => defaultPlan(req);

function withAdjustment(stageId: string, checklist: ChecklistAdjustment): Plan {
  const plan = base();
  const stage = plan.stages.find((s) => s.id === stageId);
  if (!stage) throw new Error(`no stage ${stageId}`);
  stage.checklist = checklist;
  return plan;
}

describe('role checklists', () => {
  it('gives every role a list with at least one blocking item', () => {
    for (const role of ROLE_IDS) {
      const items = ROLE_CHECKLISTS[role];
      expect(items.length, role).toBeGreaterThanOrEqual(5);
      expect(
        items.some((i) => i.blocking),
        role,
      ).toBe(true);
      expect(
        items.some((i) => !i.blocking),
        role,
      ).toBe(true);
    }
  });

  it('uses unique, well-formed ids carrying the role prefix', () => {
    const all = ROLE_IDS.flatMap((role) => ROLE_CHECKLISTS[role].map((i) => ({ role, ...i })));
    expect(new Set(all.map((i) => i.id)).size).toBe(all.length);
    for (const i of all) {
      expect(i.id).toMatch(CHECKLIST_ITEM_ID_PATTERN);
      expect(i.id.startsWith(`${CHECKLIST_PREFIX[i.role]}.`), i.id).toBe(true);
      expect(checklistItemSchema.safeParse({ id: i.id, text: i.text, blocking: i.blocking }).success).toBe(
        true,
      );
    }
  });

  it('covers what the issue asks of the data engineer and the MLOps engineer', () => {
    const ids = (role: (typeof ROLE_IDS)[number]) => ROLE_CHECKLISTS[role].map((i) => i.id);
    expect(ids('data-engineer')).toEqual(
      expect.arrayContaining(['de.ingestion', 'de.schema-validation', 'de.dataset-versioning', 'de.cost']),
    );
    expect(ids('mlops-engineer')).toEqual(
      expect.arrayContaining(['mlops.rollout', 'mlops.rollback-trigger', 'mlops.ci-cd', 'mlops.secrets']),
    );
  });
});

describe('checklist adjustments in the plan', () => {
  it('gives a stage without an adjustment its role full list', () => {
    const plan = base();
    expect(planProblems(plan)).toEqual([]);
    expect(stageChecklist(plan, 'phase1.data-engineer')).toEqual(ROLE_CHECKLISTS['data-engineer']);
    expect(stageChecklist(plan, 'phase9.ghost')).toEqual([]);
  });

  it('drops and adds items with their reasons', () => {
    const plan = withAdjustment('phase3.kubernetes-architect', {
      drop: [{ id: 'k8s.gpu-scheduling', reason: 'a linear model scores on CPU' }],
      add: [
        { text: 'Spot nodes for the nightly backfill.', blocking: false, reason: 'the budget is tight' },
        { id: 'k8s.quota', text: 'Namespace quota.', blocking: true, reason: 'shared cluster' },
      ],
    });
    expect(planProblems(plan)).toEqual([]);
    const ids = stageChecklist(plan, 'phase3.kubernetes-architect').map((i) => i.id);
    expect(ids).not.toContain('k8s.gpu-scheduling');
    expect(ids.slice(-2)).toEqual(['plan.1', 'k8s.quota']);
    expect(ids.length).toBe(ROLE_CHECKLISTS['kubernetes-architect'].length + 1);
  });

  it('refuses to drop an item the role does not owe', () => {
    const plan = withAdjustment('phase1.data-engineer', {
      drop: [{ id: 'k8s.autoscaling', reason: 'not ours' }],
    });
    expect(planProblems(plan)).toEqual([
      'stage phase1.data-engineer drops checklist item k8s.autoscaling, which data-engineer does not owe',
    ]);
  });

  it('refuses a blocking item dropped without a reason, and blank reasons anywhere', () => {
    const plan = withAdjustment('phase1.data-engineer', {
      drop: [
        { id: 'de.schema-validation', reason: '  ' },
        { id: 'de.cost', reason: ' ' },
      ],
      add: [{ text: 'Backfill plan.', blocking: false, reason: ' ' }],
    });
    expect(planProblems(plan)).toEqual([
      'stage phase1.data-engineer drops blocking checklist item de.schema-validation without a reason',
      'stage phase1.data-engineer drops checklist item de.cost without a reason',
      'stage phase1.data-engineer adds checklist item plan.1 without a reason',
    ]);
  });

  it('refuses duplicate ids, dropped or added', () => {
    const plan = withAdjustment('phase1.data-engineer', {
      drop: [
        { id: 'de.cost', reason: 'paid by the platform team' },
        { id: 'de.cost', reason: 'again' },
      ],
      add: [
        { id: 'de.sources', text: 'Sources again.', blocking: true, reason: 'x' },
        { id: 'de.backfill', text: 'Backfill.', blocking: false, reason: 'history is needed' },
        { id: 'de.backfill', text: 'Backfill twice.', blocking: false, reason: 'history is needed' },
      ],
    });
    expect(planProblems(plan)).toEqual([
      'stage phase1.data-engineer drops checklist item de.cost twice',
      'stage phase1.data-engineer adds checklist item de.sources, which is already on its list',
      'stage phase1.data-engineer adds checklist item de.backfill, which is already on its list',
    ]);
  });

  it('carries the adjustment from the model plan into the plan, and refuses an empty reason at the schema', () => {
    const tailored = asTailoredPlan(base(), 'default');
    const first = tailored.stages[0];
    if (!first) throw new Error('no stages');
    first.checklist = { drop: [{ id: 'de.retention', reason: 'the source keeps no personal data' }] };
    expect(tailoredPlanSchema.safeParse(tailored).success).toBe(true);
    const { plan, problems } = acceptTailoredPlan(tailored);
    expect(problems).toEqual([]);
    expect(stageChecklist(plan, 'phase1.data-engineer').map((i) => i.id)).not.toContain('de.retention');
    expect(asTailoredPlan(plan, 'again').stages[0]?.checklist).toEqual(first.checklist);

    first.checklist = { drop: [{ id: 'de.retention', reason: '' }] };
    expect(tailoredPlanSchema.safeParse(tailored).success).toBe(false);
  });

  it('leaves a plan without adjustments unchanged through the model shape', () => {
    const tailored = asTailoredPlan(base(), 'default');
    expect(tailored.stages.every((s) => !('checklist' in s))).toBe(true);
    expect(acceptTailoredPlan(tailored)).toEqual({ plan: base(), problems: [] });
  });
});

describe('checklists in the plan message', () => {
  const text = (plan: Plan) =>
    JSON.stringify(
      renderView({ type: 'plan', plan, requirements: req, assumptions: [], defaultsUsed: false }).blocks,
    );

  it('shows the count per stage, and what the plan changed', () => {
    const plain = text(base());
    expect(plain).toContain(
      `\`phase1.data-engineer\` — data-engineer · checklist ${ROLE_CHECKLISTS['data-engineer'].length} items`,
    );
    expect(plain).not.toContain('dropped');
    const adjusted = text(
      withAdjustment('phase4.observability-engineer', {
        drop: [{ id: 'obs.latency', reason: 'batch' }],
        add: [{ text: 'Run health.', blocking: true, reason: 'batch' }],
      }),
    );
    const n = ROLE_CHECKLISTS['observability-engineer'].length;
    expect(adjusted).toContain(`checklist ${n} items (−1 dropped, +1 added)`);
  });
});

describe('checklists in the prompts', () => {
  const project: Project = newProject({
    teamId: 'T1',
    channelId: 'C1',
    threadTs: '1700000000.0001',
    requesterId: 'U1',
    request: 'churn model behind an API',
    now: 0,
  });

  it('tells the planner the ids and the adjustment field', () => {
    const p = planPrompt(project);
    expect(p.user).toContain('"checklist"');
    expect(p.user).toContain('de.schema-validation*');
    expect(p.user).toContain('obs.dashboards');
  });

  it('lists the stage effective checklist in its task prompt', () => {
    const plan = withAdjustment('phase1.data-engineer', {
      drop: [{ id: 'de.retention', reason: 'no personal data' }],
      add: [{ text: 'A backfill of two years of history.', blocking: true, reason: 'training needs it' }],
    });
    const stage = plan.stages[0];
    if (!stage) throw new Error('no stages');
    const user = stagePrompt(project, stage, new Map(), 1000).user;
    expect(user).toContain('- de.schema-validation (blocking): Schema written down');
    expect(user).toContain('- plan.1 (blocking): A backfill of two years of history.');
    expect(user).not.toContain('de.retention');
  });
});

describe('offline planner adjustments', () => {
  const offline = new OfflineProvider({ latencyMs: 0 });
  let thread = 0;

  async function offlinePlan(request: string): Promise<Plan> {
    const p = newProject({
      teamId: 'T1',
      channelId: 'C1',
      threadTs: `17100000${++thread}.0001`,
      requesterId: 'U1',
      request,
      now: 0,
    });
    const call = async <T>(purpose: ModelPurpose, schema: import('zod').ZodType<T>) =>
      (await offline.structured({ system: [], user: '-', purpose, maxTokens: 1000 }, schema)).value;
    p.clarification.round = 1;
    p.requirements = (
      await call({ job: 'clarify', project: p, maxRounds: 1 }, clarifyOutputSchema)
    ).requirements;
    const tailored = await call({ job: 'plan', project: p }, tailoredPlanSchema);
    const { plan, problems } = acceptTailoredPlan(tailored);
    expect(problems).toEqual([]);
    return plan;
  }

  it('trades request latency for run health when the job is batch', async () => {
    const plan = await offlinePlan('nightly churn scoring on Airflow from Snowflake');
    const ids = stageChecklist(plan, 'phase4.observability-engineer').map((i) => i.id);
    expect(ids).not.toContain('obs.latency');
    expect(ids).toContain('obs.batch-runs');
    const obs = plan.stages.find((s) => s.id === 'phase4.observability-engineer');
    expect(obs?.checklist?.drop?.[0]?.reason).toMatch(/batch/);
  });

  it('narrows experiment and fairness-review stages to what they owe', async () => {
    const plan = await offlinePlan(
      'compare model families for churn on Snowflake, served live, and check fairness across protected groups',
    );
    const experiment = stageChecklist(plan, 'phase2.experiment-a').map((i) => i.id);
    expect(experiment).not.toContain('mle.promotion-rules');
    expect(experiment).toContain('mle.comparable-result');
    const review = stageChecklist(plan, 'phase2.fairness-review').map((i) => i.id);
    expect(review).toEqual(expect.arrayContaining(['ds.bias-checks', 'ds.fairness-verdict']));
    expect(review).not.toContain('ds.feature-store-schema');
    // The stages the default plan already had keep their full lists.
    expect(stageChecklist(plan, 'phase1.data-scientist')).toEqual(ROLE_CHECKLISTS['data-scientist']);
  });

  it('drops bias checks for a demand forecast, and nothing for a plain realtime request', async () => {
    const forecast = await offlinePlan('forecast weekly demand per store from BigQuery, served live');
    expect(stageChecklist(forecast, 'phase1.data-scientist').map((i) => i.id)).not.toContain(
      'ds.bias-checks',
    );
    const plain = await offlinePlan('churn model from Snowflake behind a REST API');
    expect(plain.stages.every((s) => s.checklist === undefined)).toBe(true);
  });
});
