import { describe, expect, it } from 'vitest';
import {
  acceptTailoredPlan,
  asTailoredPlan,
  defaultPlan,
  mustBeGated,
  type Plan,
  planProblems,
  tailoredPlanSchema,
} from '../../src/domain/plan.js';
import { defaultRequirements } from '../../src/domain/requirements.js';

const base = (): Plan => defaultPlan(defaultRequirements('churn model behind an API'));

describe('default plan', () => {
  it('follows the four phases and gates every deploying stage', () => {
    const plan = base();
    expect(planProblems(plan)).toEqual([]);
    expect(plan.phases.map((p) => p.name)).toEqual(['Data', 'Model', 'Deploy', 'Operate']);
    expect(plan.stages.map((s) => s.role)).toEqual([
      'data-engineer',
      'data-scientist',
      'ml-engineer',
      'python-pro',
      'mlops-engineer',
      'kubernetes-architect',
      'observability-engineer',
    ]);
    expect(plan.stages.filter((s) => s.needsApproval).map((s) => s.id)).toEqual([
      'phase3.mlops-engineer',
      'phase3.kubernetes-architect',
    ]);
  });

  it('fills tasks from the requirements', () => {
    const req = defaultRequirements('x');
    req.stack.serving = 'triton';
    req.dataSources = ['s3://events'];
    const plan = defaultPlan(req);
    expect(plan.stages.find((s) => s.role === 'mlops-engineer')?.task).toContain('triton');
    expect(plan.stages.find((s) => s.role === 'data-engineer')?.task).toContain('s3://events');
  });
});

describe('plan validation', () => {
  it('finds a cycle and names it', () => {
    const plan = base();
    const first = plan.stages[0];
    if (!first) throw new Error('no stages');
    first.reads = ['phase1.data-scientist'];
    const problems = planProblems(plan);
    expect(problems.some((p) => p.includes('cycle') && p.includes('phase1.data-engineer'))).toBe(true);
  });

  it('refuses a reference to a stage that is not in the plan', () => {
    const plan = base();
    plan.stages[2]?.reads.push('phase2.ghost');
    expect(planProblems(plan)).toContain(
      'stage phase2.ml-engineer reads phase2.ghost, which is not in the plan',
    );
  });

  it('refuses a deploying stage without approval', () => {
    const plan = base();
    const deploy = plan.stages.find((s) => s.role === 'kubernetes-architect');
    if (!deploy) throw new Error('missing stage');
    deploy.needsApproval = false;
    expect(planProblems(plan)).toContain(
      'stage phase3.kubernetes-architect changes running systems and must need approval',
    );
  });

  it('gates every stage that changes running systems, whatever the model or the request said', () => {
    const tailored = asTailoredPlan(base(), 'a plan with its gates turned off');
    const stages = tailored.stages.map((s) => {
      if (s.role === 'mlops-engineer' || s.role === 'kubernetes-architect')
        return { ...s, needsApproval: false, changesRunningSystems: false };
      if (s.role === 'python-pro')
        return { ...s, needsApproval: false, changesRunningSystems: true, task: 'Harden the code.' };
      if (s.role === 'observability-engineer')
        return { ...s, needsApproval: false, task: 'Apply the alert rules to production Prometheus.' };
      if (s.role === 'ml-engineer')
        return { ...s, needsApproval: false, task: 'Train, then promote the best model to production.' };
      return { ...s, needsApproval: false };
    });
    const { plan, problems } = acceptTailoredPlan({ ...tailored, stages });
    expect(problems).toEqual([]);
    expect(plan.stages.filter((s) => s.needsApproval).map((s) => s.id)).toEqual([
      'phase2.ml-engineer',
      'phase2.python-pro',
      'phase3.mlops-engineer',
      'phase3.kubernetes-architect',
      'phase4.observability-engineer',
    ]);
    // Mentioning a deployment, a rollout strategy or promotion rules is not doing one.
    expect(
      mustBeGated({
        role: 'data-scientist',
        changesRunningSystems: false,
        task: 'Monitor the deployment and its rollout strategy; write promotion rules.',
      }),
    ).toBe(false);
  });

  it('refuses reads that are not stage ids', () => {
    const tailored = asTailoredPlan(base(), 'r');
    const first = tailored.stages[1];
    if (!first) throw new Error('missing stage');
    first.reads = ['<@U123> ping'];
    expect(tailoredPlanSchema.safeParse(tailored).success).toBe(false);
  });

  it('refuses an unknown role, a duplicate id and a template that uses an unread stage', () => {
    const plan = base();
    const stage = plan.stages[1];
    if (!stage) throw new Error('missing stage');
    (stage as { role: string }).role = 'astrologer';
    plan.stages.push({ ...(plan.stages[0] as Plan['stages'][number]) });
    const last = plan.stages[3];
    if (!last) throw new Error('missing stage');
    last.task = 'Use {phase1.data-engineer.output}';
    const problems = planProblems(plan);
    expect(problems).toContain('stage phase1.data-scientist has unknown role astrologer');
    expect(problems).toContain('stage phase1.data-engineer appears twice');
    expect(problems).toContain(
      'stage phase2.python-pro uses {phase1.data-engineer.output} but does not read phase1.data-engineer',
    );
  });

  it('refuses reading from a later phase', () => {
    const plan = base();
    plan.stages[0]?.reads.push('phase4.observability-engineer');
    expect(planProblems(plan)).toContain(
      'stage phase1.data-engineer reads phase4.observability-engineer from a later phase',
    );
  });
});
