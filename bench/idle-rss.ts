import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startAnthropicStandIn } from '../test/support/anthropic-stand-in.js';
import { findFreePort } from '../test/support/redis-server.js';
import { startSlackStandIn } from '../test/support/slack-stand-in.js';
import { BOT_TOKEN, SIGNING_SECRET, sleep } from './lib.js';

/**
 * Idle memory of one Pipewright process (`all` role: bot and workers) as an operator runs it, once from
 * the TypeScript sources through tsx, and, when `npm run build` has made `dist/`, from the compiled
 * JavaScript with plain `node --enable-source-maps`, as the Docker image runs it: the resident set size
 * after start-up and a few quiet seconds.
 */
export interface IdleRssResult {
  tsxRssBytes: number;
  /** Undefined when dist/main.js is not built. */
  compiledRssBytes: number | undefined;
  settleMs: number;
}

const ROOT = resolve(import.meta.dirname, '..');
const SETTLE_MS = 3_000;

export async function runIdleRss(redisUrl: string): Promise<IdleRssResult> {
  const slack = await startSlackStandIn({ token: BOT_TOKEN });
  const model = await startAnthropicStandIn();
  try {
    const env = {
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      ANTHROPIC_API_KEY: 'sk-ant-bench-key',
      ANTHROPIC_BASE_URL: model.url,
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: `idle${process.pid}`,
      LOG_LEVEL: 'warn',
    };
    const loader = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
    const tsxRssBytes = await idleRss(['--import', loader, join(ROOT, 'src/main.ts'), 'all'], env);
    const compiled = join(ROOT, 'dist/main.js');
    const compiledRssBytes = existsSync(compiled)
      ? await idleRss(['--enable-source-maps', compiled, 'all'], env)
      : undefined;
    return { tsxRssBytes, compiledRssBytes, settleMs: SETTLE_MS };
  } finally {
    await Promise.all([slack.close(), model.close()]);
  }
}

async function idleRss(args: string[], env: Record<string, string>): Promise<number> {
  const port = await findFreePort();
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: mkdtempSync(join(tmpdir(), 'pw-idle-')),
    env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port) },
    stdio: 'ignore',
  });
  try {
    let healthy = false;
    const deadline = Date.now() + 30_000;
    while (!healthy && Date.now() < deadline && child.exitCode === null) {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
      healthy = res?.status === 200;
      if (!healthy) await sleep(50);
    }
    if (!healthy) throw new Error(`the process never became healthy (${args.join(' ')})`);
    await sleep(SETTLE_MS);
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN);
    return kb * 1024;
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode === null ? child.on('exit', r) : r(undefined)));
  }
}
