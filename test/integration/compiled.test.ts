import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AppProcess } from '../support/processes.js';
import { REQUESTER, startProcessCluster } from './harness.js';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const SRC = join(ROOT, 'src');
const BUILD_TIMEOUT_MS = 120_000;

// The Docker image's layout, in a temporary directory: package.json (for "type": "module"), node_modules
// (a link to ours) and the build output in dist/, built by the same `npm run build` the Dockerfile runs.
let app: string;
let dist: string;
beforeAll(async () => {
  app = mkdtempSync(join(tmpdir(), 'pw-compiled-'));
  dist = join(app, 'dist');
  copyFileSync(join(ROOT, 'package.json'), join(app, 'package.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(app, 'node_modules'), 'dir');
  await run('npm', ['run', 'build', '--', '--outDir', dist], { cwd: ROOT, timeout: BUILD_TIMEOUT_MS });
}, BUILD_TIMEOUT_MS + 10_000);
afterAll(() => {
  if (app) rmSync(app, { recursive: true, force: true });
});

const procs: AppProcess[] = [];
afterEach(async () => {
  for (const p of procs.splice(0)) await p.kill();
});

describe('compiled build', () => {
  it('emits main.js and puts every file of src/ that is not TypeScript (the Lua scripts) next to its module', () => {
    expect(existsSync(join(dist, 'main.js'))).toBe(true);
    expect(existsSync(join(dist, 'main.js.map'))).toBe(true);
    const assets = readdirSync(SRC, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && !e.name.endsWith('.ts') && !e.name.startsWith('.'))
      .map((e) => relative(SRC, join(e.parentPath, e.name)));
    for (const asset of assets) expect(existsSync(join(dist, asset)), asset).toBe(true);
  });

  it('prints stack traces that point at the TypeScript sources', async () => {
    const module = join(dist, 'domain/assert-never.js');
    const script = `import(${JSON.stringify(module)}).then((m) => m.assertNever('x'))`;
    const failed = await run(process.execPath, ['--enable-source-maps', '-e', script]).then(
      () => undefined,
      (err: { stderr: string }) => err,
    );
    expect(failed?.stderr).toContain(join(SRC, 'domain/assert-never.ts'));
  });

  it("loads the Slack stand-in's method table from beside its compiled module", async () => {
    const module = join(dist, 'playground/slack-api/method-table.js');
    const script = `import(${JSON.stringify(module)}).then((m) => console.log(JSON.stringify([m.requiredArgs('views.open'), m.requiredArgs('chat.postMessages') ?? null])))`;
    const { stdout } = await run(process.execPath, ['-e', script]);
    expect(JSON.parse(stdout)).toEqual([['trigger_id', 'view'], null]);
  });

  it('runs a whole project with the compiled bot and worker, and both stop cleanly on SIGTERM', async () => {
    const c = await startProcessCluster(procs);
    const h = c.h;
    const main = join(dist, 'main.js');
    const bot = await c.start('bot', { ANTHROPIC_API_KEY: '' }, main);
    const worker = await c.start('worker', { SLACK_BOT_TOKEN: '', SLACK_SIGNING_SECRET: '' }, main);

    const { threadTs } = await h.mention('build a churn model behind an API');
    await h.waitForThread(threadTs, /A few questions before I plan/, 20_000);
    await h.reply(threadTs, 'go');
    for (const stage of ['phase3.mlops-engineer', 'phase3.kubernetes-architect']) {
      await h.waitForThread(threadTs, new RegExp(`Approval needed: ${stage}`), 20_000);
      await h.click(threadTs, stage, 'approve', REQUESTER);
    }
    await h.waitForThread(threadTs, /Executive summary/, 20_000);

    bot.child.kill('SIGTERM');
    worker.child.kill('SIGTERM');
    expect(await bot.exited).toBe(0);
    expect(await worker.exited).toBe(0);
  });
});
