import { describe, expect, it } from 'vitest';
import { ROLE_CHECKLISTS } from '../../src/domain/checklists.js';
import { deliverableSchema } from '../../src/domain/deliverable.js';
import { projectIdFor } from '../../src/domain/ids.js';
import { asTailoredPlan, defaultPlan, type TailoredPlan } from '../../src/domain/plan.js';
import { rolePrompt } from '../../src/domain/roles.js';
import type { RecordedRequest, StandInReply } from '../support/anthropic-stand-in.js';
import type { AppProcess } from '../support/processes.js';
import { waitFor } from '../support/wait.js';
import {
  CHANNEL,
  FIXTURE_REQUIREMENTS,
  type Harness,
  openAndGo,
  projectManagerResponder,
  promptOf,
  reportMarkdown,
  reportMetadata,
  stageOf,
  startHarness,
  startProcessCluster,
  TEAM,
} from './harness.js';

/*
 * The independent review of every stage, with one revision round, against the Anthropic stand-in scripted
 * as an author that forgets a blocking checklist item, writes YAML that does not parse and an unsafe path,
 * and as a reviewer that grades what it reads. REVIEW is on here, as in production.
 */

const DE = 'phase1.data-engineer';
const K8S = 'phase2.observability-engineer';
const DE_ITEMS = ROLE_CHECKLISTS['data-engineer'];
const K8S_ITEMS = ROLE_CHECKLISTS['observability-engineer'];

/** Data engineering, then alert rules built on its quality rules file; no gates. */
function twoStagePlan(): TailoredPlan {
  const base = asTailoredPlan(defaultPlan(FIXTURE_REQUIREMENTS), 'Data, then the cluster.');
  const template = base.stages[0];
  if (!template) throw new Error('the default plan has no stages');
  return {
    ...base,
    phases: [
      { number: 1, name: 'Data' },
      { number: 2, name: 'Cluster' },
    ],
    stages: [
      { ...template, id: DE, phase: 1, role: 'data-engineer', reads: [], needsApproval: false },
      {
        ...template,
        id: K8S,
        phase: 2,
        role: 'observability-engineer',
        task: 'Write alert rules for the quality checks in {phase1.data-engineer.output}, read from quality.yaml.',
        reads: [DE],
        needsApproval: false,
      },
    ],
  };
}

const isReview = (req: RecordedRequest) => promptOf(req).includes('The checklist to grade');
const isRevision = (req: RecordedRequest) => promptOf(req).includes('Revise once');
const reviewedStage = (req: RecordedRequest) => /^Stage (\S+), done by/.exec(promptOf(req))?.[1];

/** A line per item, each saying it covers the item, so a reviewer can quote it. */
const covering = (ids: readonly string[]) =>
  ids.map((id) => `- ${id}: covers ${id} with named tables and thresholds.`);

function stageAnswer(deliverable: string, files: Array<{ path: string; language: string; content: string }>) {
  return {
    summary: 'Done.',
    deliverable,
    digest: 'Digest.',
    files,
    outcome: 'success',
    keyInsights: [],
    delegations: [],
    insights: [],
    messages: [],
  };
}

const GOOD_YAML = 'rules:\n  - name: nulls\n    max: 0.01\n';
const SQL = { path: 'pipelines/churn/ingest.sql', language: 'sql', content: 'select 1;\n' };
const UNSAFE = { path: '../../etc/passwd', language: 'text', content: 'root:x:0:0\n' };

/** Grades every item met, quoting the line that covers it, except those named otherwise. */
function grades(items: readonly { id: string }[], otherwise: Record<string, 'partial' | 'missing'> = {}) {
  return {
    grades: items.map(({ id }) =>
      otherwise[id]
        ? { id, grade: otherwise[id], evidence: '', gap: `say more about ${id}` }
        : { id, grade: 'met', evidence: `covers ${id} with named tables` },
    ),
    comments: 'Reviewed.',
  };
}

/** The scripted model: the author forgets a blocking item and breaks a file; the reviewer sends it back once. */
function scriptedTeam(opts: { failFirstRevision?: boolean } = {}) {
  const pm = projectManagerResponder({ plan: twoStagePlan() });
  let revisionFailed = false;
  return (req: RecordedRequest): StandInReply | undefined => {
    const fromPm = pm(req);
    if (fromPm) return fromPm;
    if (isReview(req)) {
      const stage = reviewedStage(req);
      if (stage === K8S) return { json: grades(K8S_ITEMS) };
      // The revision is graded second: it still leaves the cost estimate vague.
      const second = promptOf(req).includes('de.schema-validation: covers');
      return {
        json: second
          ? grades(DE_ITEMS, { 'de.cost': 'partial' })
          : grades(DE_ITEMS, { 'de.schema-validation': 'missing' }),
      };
    }
    const stage = stageOf(req);
    if (stage === DE && isRevision(req)) {
      if (opts.failFirstRevision && !revisionFailed) {
        revisionFailed = true;
        return { status: 529 };
      }
      return {
        json: stageAnswer(covering(DE_ITEMS.map((i) => i.id)).join('\n'), [
          { path: './pipelines//churn/quality.yaml', language: 'yaml', content: GOOD_YAML },
          SQL,
          UNSAFE, // kept by a careless author: refused again
        ]),
      };
    }
    if (stage === DE) {
      const withoutSchema = DE_ITEMS.map((i) => i.id).filter((id) => id !== 'de.schema-validation');
      return {
        json: stageAnswer(covering(withoutSchema).join('\n'), [
          { path: 'pipelines/churn/quality.yaml', language: 'yaml', content: 'rules: [nulls, {max: 0.01\n' },
          SQL,
          UNSAFE,
        ]),
      };
    }
    if (stage === K8S) {
      return {
        json: stageAnswer(covering(K8S_ITEMS.map((i) => i.id)).join('\n'), [
          { path: 'monitoring/churn/alerts.yaml', language: 'yaml', content: 'groups: []\n' },
        ]),
      };
    }
    return undefined;
  };
}

async function runToSummary(h: Harness): Promise<string> {
  const threadTs = await openAndGo(h);
  await h.waitForThread(threadTs, /Executive summary/, 20_000);
  return threadTs;
}

describe('independent review with one revision round', () => {
  it('sends a stage missing a blocking item and with a broken file back once, and shows the coverage everywhere', async () => {
    const h = await startHarness({ REVIEW: 'on', REVIEW_MODEL: 'claude-haiku-5-5' });
    try {
      h.model.setResponder(scriptedTeam());
      const threadTs = await runToSummary(h);

      const de = h.model.requests.filter((r) => stageOf(r) === DE && !isReview(r));
      const deReviews = h.model.requests.filter((r) => isReview(r) && reviewedStage(r) === DE);
      const k8sReviews = h.model.requests.filter((r) => isReview(r) && reviewedStage(r) === K8S);
      expect(de.length).toBe(2); // the draft and one revision
      expect(deReviews.length).toBe(2); // the draft's review and the revision's
      expect(k8sReviews.length).toBe(1); // accepted at once: no revision
      expect(h.model.requests.filter((r) => stageOf(r) === K8S && isRevision(r))).toEqual([]);

      // The reviewer answers on REVIEW_MODEL with the review's effort; the author on the main model.
      expect(new Set(deReviews.map((r) => r.body.model))).toEqual(new Set(['claude-haiku-5-5']));
      expect(new Set(de.map((r) => r.body.model))).toEqual(new Set([h.config.anthropic.model]));
      expect(deReviews[0]?.body.output_config).toMatchObject({ effort: 'high' });

      // The reviewer has its own context: the work and the checklist, not the author's brief or memory.
      const review = promptOf(deReviews[0] as RecordedRequest);
      expect(review).toContain('de.schema-validation (blocking)');
      expect(review).toContain('<file path="pipelines/churn/quality.yaml" language="yaml" parses="false">');
      expect(review).not.toContain(rolePrompt('data-engineer'));
      expect(review).not.toContain('Your stage:');
      expect(review).not.toContain('untrusted_memory');
      expect(review).not.toContain('etc/passwd');

      // The revision round carries the review: the missing blocking item and both file problems.
      const revision = promptOf(de[1] as RecordedRequest);
      expect(revision).toContain(
        '- de.schema-validation (blocking): missing: say more about de.schema-validation',
      );
      expect(revision).toMatch(/pipelines\/churn\/quality.yaml: YAML does not parse/);
      expect(revision).toContain('../../etc/passwd: Path refused: it climbs out with "..".');

      // The next stage sees the repository so far, with the file its task names included whole.
      const k8s = promptOf(h.model.requests.find((r) => stageOf(r) === K8S) as RecordedRequest);
      expect(k8s).toContain('- pipelines/churn/quality.yaml from phase1.data-engineer (yaml, ~');
      expect(k8s).toContain(`<file path="pipelines/churn/quality.yaml" stage="${DE}">\n${GOOD_YAML}`);
      expect(k8s).toMatch(/- pipelines\/churn\/ingest.sql from phase1.data-engineer \(sql, ~\d+ tokens\)\n/);

      // The project manager writes the summary knowing what each stage still owes.
      const summary = h.model.requests.find((r) => promptOf(r).includes('The run has finished'));
      expect(promptOf(summary as RecordedRequest)).toContain(
        'Independent review: checklist 9/9 (1 partial); still owed:\n- de.cost (partial): Monthly storage',
      );

      // Slack: the plan's forecast prices the reviews; the stage note and the summary say what they found.
      const text = h.threadText(threadTs);
      expect(text).toMatch(/Forecast: up to \$\d+\.\d\d for one try of every stage and its review/);
      expect(text).toContain(
        'checklist 9/9 (1 partial) · revised after review · 2 files · still owed: `de.cost`',
      );
      expect(text).toContain('checklist 8/8 · 1 file');
      expect(text).toMatch(/Checklist coverage after independent review\* \(mean \d+%\)/);
      expect(text).toContain(
        '`phase1.data-engineer`: 94% · checklist 9/9 (1 partial) · revised after review · still owed: `de.cost`',
      );

      // The accepted deliverable: the revision, its files normalised, the unsafe path refused.
      const key = `${h.config.redis.keyPrefix}:project:${projectIdFor(TEAM, CHANNEL, threadTs)}:deliverable:${DE}:1`;
      const stored = deliverableSchema.parse(JSON.parse((await h.redis.get(key)) ?? '{}'));
      expect(stored.files?.map((f) => [f.path, f.parses])).toEqual([
        ['pipelines/churn/quality.yaml', true],
        ['pipelines/churn/ingest.sql', undefined],
      ]);
      expect(stored.fileProblems?.map((p) => p.code)).toEqual(['unsafe_path']);
      expect(stored.review?.first.coverage).toBeCloseTo(8 / 9, 3);
      expect(stored.review?.final.coverage).toBeCloseTo(8.5 / 9, 3);
      expect(stored.usage.calls).toBe(4); // the cost of the stage includes its reviews

      // The report: coverage after review and after revision, the grades with evidence, files, problems.
      const markdown = await reportMarkdown(h);
      expect(markdown).toContain('## Checklist coverage');
      expect(markdown).toContain(
        `| [${DE}](#stage-${DE.replace('.', '-')}) | checklist 9/9 (1 partial) | 89% | 94% | de.cost (partial) |`,
      );
      expect(markdown).toContain(
        '| de.schema-validation (blocking) | met | "covers de.schema-validation with named tables" |',
      );
      expect(markdown).toContain(`- \`pipelines/churn/quality.yaml\` (yaml, ${GOOD_YAML.length} B): parses`);
      expect(markdown).toContain(
        '- Refused or flagged: `../../etc/passwd` (unsafe_path): Path refused: it climbs out with "..".',
      );
      const meta = (await reportMetadata(h)) as unknown as {
        stages: Array<{
          id: string;
          review?: { coverageAfterReview: number; coverageAfterRevision?: number };
        }>;
      };
      const deMeta = meta.stages.find((s) => s.id === DE);
      expect(deMeta?.review?.coverageAfterReview).toBeLessThan(deMeta?.review?.coverageAfterRevision ?? 0);
    } finally {
      await h.close();
    }
  });

  it('never runs a stored review again when the job dies before the revision is stored', async () => {
    const h = await startHarness({ REVIEW: 'on', STAGE_BACKOFF_MS: '50' });
    try {
      h.model.setResponder(scriptedTeam({ failFirstRevision: true }));
      const threadTs = await runToSummary(h);
      const de = h.model.requests.filter((r) => stageOf(r) === DE && !isReview(r));
      // The draft once; the revision twice (the first answered 529 and the job was retried).
      expect(de.filter((r) => !isRevision(r)).length).toBe(1);
      expect(de.filter(isRevision).map((r) => r.status)).toEqual([529, 200]);
      // The first review was stored before the failure and not asked for again.
      expect(h.model.requests.filter((r) => isReview(r) && reviewedStage(r) === DE).length).toBe(2);
      expect(h.threadText(threadTs)).toContain('checklist 9/9 (1 partial) · revised after review');
    } finally {
      await h.close();
    }
  });

  it('asks for no review again after the worker is SIGKILLed waiting for the revision', async () => {
    const procs: AppProcess[] = [];
    try {
      const c = await startProcessCluster(procs, {
        env: { REVIEW: 'on', JOB_LOCK_MS: '1500', STAGE_BACKOFF_MS: '100' },
      });
      const h = c.h;
      h.model.setResponder(scriptedTeam());
      await c.start('bot');
      const worker = await c.start('worker');
      const revision = h.model.hold((req) => isRevision(req) && stageOf(req) === DE);
      const threadTs = await openAndGo(h);
      // The draft and its review are stored; the revision is being written when the worker dies.
      await revision.arrived;
      await worker.kill();
      await c.start('worker');
      await waitFor(() => h.model.requests.filter(isRevision).length >= 2, {
        timeoutMs: 20_000,
        message: 'the new worker never took the stage up again',
      });
      revision.release();
      await h.waitForThread(threadTs, /Executive summary/, 30_000);

      const de = h.model.requests.filter((r) => stageOf(r) === DE && !isReview(r));
      expect(de.filter((r) => !isRevision(r))).toHaveLength(1); // the draft, once
      expect(h.model.requests.filter((r) => isReview(r) && reviewedStage(r) === DE)).toHaveLength(2);
      expect(h.threadText(threadTs)).toContain('checklist 9/9 (1 partial) · revised after review');
    } finally {
      for (const p of procs) await p.kill();
    }
  });

  it('accepts a stage unreviewed when the reviewer cannot give a valid review, and the run goes on', async () => {
    const h = await startHarness({ REVIEW: 'on' });
    try {
      const team = scriptedTeam();
      h.model.setResponder((req) => (isReview(req) ? { text: 'I think it is fine.' } : team(req)));
      const threadTs = await runToSummary(h);
      await h.waitForThread(threadTs, /Status: completed/);
      const text = h.threadText(threadTs);
      expect(text).not.toContain('checklist 8/9');
      expect(text).toContain(":warning: not reviewed: the reviewer's answer could not be used");
      // Each review was asked for twice (one repair round), then the stage went on without one.
      expect(h.model.requests.filter((r) => isReview(r) && reviewedStage(r) === DE).length).toBe(2);
      expect(h.logs.some((l) => l.msg === 'review 1 unusable; the stage goes on without it')).toBe(true);
    } finally {
      await h.close();
    }
  });

  it('keeps the first draft, with its review, when the revision is refused, and says so in the report', async () => {
    const h = await startHarness({ REVIEW: 'on' });
    try {
      const team = scriptedTeam();
      h.model.setResponder((req) =>
        isRevision(req) ? { status: 400, message: 'prompt is too long' } : team(req),
      );
      const threadTs = await runToSummary(h);
      const text = h.threadText(threadTs);
      // Graded once: 8 of 9 met, the blocking item still owed, no "revised".
      expect(text).toContain(
        'checklist 8/9 · 2 files · still owed: `de.schema-validation` · :warning: the revision failed; the first draft stands with its review',
      );
      expect(h.model.requests.filter((r) => isReview(r) && reviewedStage(r) === DE).length).toBe(1);
      expect(h.logs.some((l) => l.msg === 'revision unusable; the stage goes on without it')).toBe(true);
      // The draft's YAML that does not parse is kept, marked, and the report says so.
      const markdown = await reportMarkdown(h);
      expect(markdown).toContain('- `pipelines/churn/quality.yaml` (yaml, 26 B): does not parse');
      expect(markdown).toContain('- Refused or flagged: `../../etc/passwd` (unsafe_path)');
      expect(markdown).toContain(
        'Review incomplete: the revision failed; the first draft stands with its review.',
      );
    } finally {
      await h.close();
    }
  });

  it('makes no review call with REVIEW=off', async () => {
    const h = await startHarness({ REVIEW: 'off' });
    try {
      h.model.setResponder(scriptedTeam());
      const threadTs = await runToSummary(h);
      expect(h.model.requests.filter(isReview)).toEqual([]);
      expect(h.model.requests.filter(isRevision)).toEqual([]);
      expect(h.threadText(threadTs)).not.toMatch(/checklist \d+\/\d+/);
    } finally {
      await h.close();
    }
  });
});
