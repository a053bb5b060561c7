import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { EVAL_REQUESTS } from '../../src/app/eval/requests.js';
import { evalResultsSchema } from '../../src/app/eval/results.js';
import { EVAL_KEY_PREFIX, runEval } from '../../src/app/eval/runner.js';
import { ROLE_IDS } from '../../src/domain/roles.js';
import { keySpace } from '../../src/memory/keys.js';
import { ProjectStore } from '../../src/memory/project-store.js';
import { PLAYGROUND_USER_IDS } from '../../src/playground/slack-api/index.js';
import { startAnthropicStandIn } from '../support/anthropic-stand-in.js';

/**
 * `npm run eval` against the offline model: the CI structure check. Every request runs end to end through
 * the real app (questions answered with `go`, gates approved), and the results say so in the schema's shape.
 * The offline model reports one call and no tokens per stage; review and file columns are checked when a
 * stage carries them.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const TSX_LOADER = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

const redis = new Redis(inject('redisUrl'));
afterAll(() => redis.disconnect());
const children: ChildProcess[] = [];
afterEach(() => {
  // A command that outlived its test (it hung) must not outlive the file.
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

const inRange = (v: number | null) => v === null || (v >= 0 && v <= 1);

describe('the quality eval against the offline model', () => {
  it('runs every request to the end, approving gates as the approver, with a row per planned stage', async () => {
    const results = await runEval({
      env: { REDIS_URL: inject('redisUrl'), ANTHROPIC_API_KEY: '', OFFLINE_MODEL_LATENCY_MS: '10' },
      requests: EVAL_REQUESTS,
      requestTimeoutMs: 40_000,
      logger: pino({ level: 'silent' }),
      slackPostIntervalMs: 20,
    });
    // What is written to disk validates against the schema.
    expect(evalResultsSchema.safeParse(JSON.parse(JSON.stringify(results))).success).toBe(true);
    expect(results.model).toEqual({ offline: true, name: 'offline' });
    expect(EVAL_REQUESTS.length).toBeGreaterThanOrEqual(5);
    expect(results.requests.map((r) => [r.name, r.outcome, r.problem])).toEqual(
      EVAL_REQUESTS.map((r) => [r.name, 'finished', null]),
    );
    expect(results.totals).toMatchObject({ requests: EVAL_REQUESTS.length, finished: EVAL_REQUESTS.length });

    const projects = new ProjectStore(redis, keySpace(EVAL_KEY_PREFIX));
    for (const r of results.requests) {
      const project = await projects.get(r.projectId ?? '');
      if (!project?.plan) throw new Error(`${r.name}: no project or plan stored`);
      expect(project.request).toContain(EVAL_REQUESTS.find((q) => q.name === r.name)?.text.slice(0, 60));
      // Every planned stage has its row, with its role, and ran.
      expect(r.stages.map((s) => [s.stageId, s.role])).toEqual(
        project.plan.stages.map((s) => [s.id, s.role]),
      );
      expect(r.stages.every((s) => s.state === 'done' && s.model === 'offline')).toBe(true);
      // The questions were answered with `go`, and each gate was approved by the eval's approver.
      expect(r.goAnswers).toBe(1);
      expect(project.defaultsUsed).toBe(true); // `go`: plan on the stated assumptions
      expect(project.decisions.filter((d) => d.kind === 'defaults')).toHaveLength(1);
      const gated = project.plan.stages.filter((s) => s.needsApproval);
      expect(r.approvals).toBe(gated.length);
      for (const s of gated) {
        expect(project.stages[s.id]?.decision).toMatchObject({
          verdict: 'approved',
          by: PLAYGROUND_USER_IDS.approver,
        });
      }
      // The offline model reports one call and no tokens or cost per call; the run's calls add up.
      for (const s of r.stages) {
        expect(s.calls).toBeGreaterThanOrEqual(1);
        expect([s.tokens, s.costUsd]).toEqual([0, 0]);
        expect(inRange(s.coverageAfterReview) && inRange(s.coverageAfterRevision)).toBe(true);
        if (s.files !== null && s.filesChecked !== null && s.filesParsed !== null) {
          expect(s.filesParsed).toBeLessThanOrEqual(s.filesChecked);
          expect(s.filesChecked).toBeLessThanOrEqual(s.files);
        }
      }
      expect(r.projectManager.calls).toBeGreaterThanOrEqual(2); // clarification, plan, summary
      expect(r.totals.calls).toBe(project.usage.calls);
    }
    expect(results.roles.every((role) => (ROLE_IDS as readonly string[]).includes(role.role))).toBe(true);
    expect(results.roles.reduce((n, role) => n + role.stages, 0)).toBe(
      results.requests.reduce((n, r) => n + r.stages.length, 0),
    );
  }, 90_000);

  it("with a key, goes through the Anthropic SDK and reports each stage's tokens and cost", async () => {
    // The Messages API stand-in answers every call with output that fits its schema, and reports usage.
    const model = await startAnthropicStandIn();
    try {
      const results = await runEval({
        env: { REDIS_URL: inject('redisUrl'), ANTHROPIC_API_KEY: 'test', ANTHROPIC_BASE_URL: model.url },
        requests: EVAL_REQUESTS.slice(0, 1),
        requestTimeoutMs: 40_000,
        logger: pino({ level: 'silent' }),
        slackPostIntervalMs: 20,
      });
      expect(results.model).toEqual({ offline: false, name: 'claude-sonnet-5-5' });
      const [churn] = results.requests;
      expect(churn?.outcome).toBe('finished');
      expect(churn?.stages.length).toBeGreaterThanOrEqual(6);
      for (const s of churn?.stages ?? []) {
        expect(s.tokens).toBeGreaterThan(0);
        expect(s.tokens).toBe(s.inputTokens + s.outputTokens); // the stand-in reports no cache tokens
        expect(s.costUsd).toBeGreaterThan(0);
      }
      const stageTokens = churn?.stages.reduce((n, s) => n + s.tokens, 0) ?? 0;
      expect(churn?.totals.tokens).toBe(stageTokens + (churn?.projectManager.tokens ?? 0));
      expect(churn?.projectManager.tokens).toBeGreaterThan(0);
      // Calls whose output failed its schema (the generated plan here) are not in the run's usage.
      expect(model.requests.length).toBeGreaterThanOrEqual(churn?.totals.calls ?? Infinity);
    } finally {
      await model.close();
    }
  });

  it('records a request still going at its timeout as timed out, with where it stood, and cancels it', async () => {
    // The model never answers until the test is over: the run cannot get past its questions.
    const model = await startAnthropicStandIn();
    const held = model.hold(() => true);
    const results = await runEval({
      env: { REDIS_URL: inject('redisUrl'), ANTHROPIC_API_KEY: 'test', ANTHROPIC_BASE_URL: model.url },
      requests: EVAL_REQUESTS.slice(0, 1),
      requestTimeoutMs: 300,
      logger: pino({ level: 'silent' }),
      slackPostIntervalMs: 20,
    }).finally(async () => {
      held.release();
      await model.close();
    });
    // It is cancelled, so it spends nothing more and leaves the next request alone.
    expect(results.requests[0]).toMatchObject({ outcome: 'timed_out', phase: 'cancelled', stages: [] });
    expect(results.requests[0]?.problem).toMatch(
      /^still (clarifying|not started) after 0\.3 s.*; the eval cancelled it$/,
    );
    expect(results.totals.finished).toBe(0);
  });

  it('when interrupted, cancels the running request and starts no other', async () => {
    const model = await startAnthropicStandIn();
    const held = model.hold(() => true);
    const interrupt = new AbortController();
    void held.arrived.then(() => interrupt.abort());
    const results = await runEval({
      env: { REDIS_URL: inject('redisUrl'), ANTHROPIC_API_KEY: 'test', ANTHROPIC_BASE_URL: model.url },
      requests: EVAL_REQUESTS.slice(0, 2),
      requestTimeoutMs: 60_000,
      logger: pino({ level: 'silent' }),
      slackPostIntervalMs: 20,
      signal: interrupt.signal,
    }).finally(async () => {
      held.release();
      await model.close();
    });
    expect(results.requests).toHaveLength(1);
    expect(results.requests[0]).toMatchObject({
      name: EVAL_REQUESTS[0]?.name,
      outcome: 'error',
      phase: 'cancelled',
    });
    expect(results.requests[0]?.problem).toMatch(/^interrupted while clarifying.*; the eval cancelled it$/);
  });

  it('`npm run eval -- --only churn` prints the table, writes the JSON to EVAL_OUT and exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-eval-'));
    const out = join(dir, 'results.json');
    const run = await runCli(['--only', 'churn'], dir, { EVAL_OUT: out, OFFLINE_MODEL_LATENCY_MS: '10' });
    expect(run.code, run.output).toBe(0);
    expect(run.output).toMatch(
      /role\s+stage\s+state\s+after review\s+after revision\s+files\s+parse\s+calls/,
    );
    expect(run.output).toMatch(/data-engineer\s+phase1\.data-engineer\s+done/);
    expect(run.output).toContain('1 of 1 requests finished');
    expect(run.output).toContain(`Results: ${out}`);
    const written = evalResultsSchema.parse(JSON.parse(readFileSync(out, 'utf8')));
    expect(written.requests.map((r) => [r.name, r.outcome])).toEqual([['churn', 'finished']]);
  }, 60_000);

  it('refuses a request name it does not have, naming the ones it has', async () => {
    const run = await runCli(['--only', 'nope'], mkdtempSync(join(tmpdir(), 'pw-eval-')), {});
    expect(run.code).toBe(2);
    expect(run.output).toContain('no request is named "nope"');
    expect(run.output).toContain(EVAL_REQUESTS.map((r) => r.name).join('|'));
  });
});

/** Runs the eval's command line as `npm run eval` does, from an empty directory (no developer .env). */
function runCli(
  args: string[],
  cwd: string,
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  const child = spawn(
    process.execPath,
    ['--import', TSX_LOADER, join(ROOT, 'src/app/eval/cli.ts'), ...args],
    {
      cwd,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: 'pipe',
    },
  );
  let output = '';
  child.stdout.on('data', (d) => {
    output += String(d);
  });
  child.stderr.on('data', (d) => {
    output += String(d);
  });
  return new Promise((r) => child.on('exit', (code) => r({ code, output })));
}
