import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { PageState } from '../../src/playground/web/page-state.js';
import { findFreePort } from '../support/redis-server.js';
import { waitFor } from '../support/wait.js';

/**
 * What a newcomer does first: clone, `npm start`, with no Slack credentials, no model key and no REDIS_URL.
 * The clone has no node_modules, so this covers the install too; then the playground must answer, a
 * request typed on it must get the bot's first reply, and Ctrl+C must stop it and its private Redis.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const INSTALL_AND_START_MS = 240_000;

describe('a fresh clone', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pw-clone-'));
  let child: ChildProcess | undefined;
  afterAll(() => {
    try {
      if (child?.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone, as it should be.
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    'serves a working playground from `npm start` with no credentials and no REDIS_URL',
    async () => {
      const clone = join(dir, 'pipewright');
      const started = Date.now();
      execFileSync('git', ['clone', '--quiet', ROOT, clone]);
      const port = await findFreePort();
      // Only what a fresh machine has: PATH and HOME; no Slack, Anthropic or Redis settings.
      child = spawn('npm', ['start'], {
        cwd: clone,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dir, PORT: String(port) },
        stdio: 'pipe',
        detached: true,
      });
      let output = '';
      child.stdout?.on('data', (d) => {
        output += String(d);
      });
      child.stderr?.on('data', (d) => {
        output += String(d);
      });
      const exited = new Promise<{ code: number | null; signal: string | null }>((r) =>
        child?.on('exit', (code, signal) => r({ code, signal })),
      );

      await waitFor(() => output.includes(`Pipewright local playground: http://localhost:${port}`), {
        timeoutMs: INSTALL_AND_START_MS,
        message: () => `no playground banner:\n${output.slice(-3000)}`,
      });
      expect(output).toContain('Installing the locked dependencies (node_modules is not installed): npm ci');
      expect(output).toContain('This is the local playground');
      expect(output).toContain('To connect a real Slack workspace');
      const redisPort = Number(/private redis-server on port (\d+)/.exec(output)?.[1]);
      expect(redisPort).toBeGreaterThan(0);

      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
      const page = await (await fetch(`http://127.0.0.1:${port}/`)).text();
      expect(page).toContain('Acting as');
      expect(page).toContain('Offline model');

      // A request typed on the page gets the bot's first reply in its thread.
      const state = (await (await fetch(`http://127.0.0.1:${port}/playground/state`)).json()) as PageState;
      const said = await fetch(`http://127.0.0.1:${port}/playground/say`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          user: state.me,
          channel: state.channel.id,
          text: '@pipewright forecast weekly demand',
        }),
      });
      expect(said.status).toBe(200);
      const { ts } = (await said.json()) as { ts: string };
      await waitFor(
        async () => {
          const q = new URLSearchParams({ user: state.me, channel: state.channel.id, thread: ts });
          const s = (await (
            await fetch(`http://127.0.0.1:${port}/playground/state?${q}`)
          ).json()) as PageState;
          return (s.thread?.messages.length ?? 0) >= 2;
        },
        { timeoutMs: 60_000, message: () => `no reply from the bot:\n${output.slice(-3000)}` },
      );
      console.warn(
        `fresh clone: git clone to the bot's first reply in the playground took ${Date.now() - started} ms`,
      );

      // Ctrl+C signals the whole foreground group: npm, tsx and the app. npm itself then dies of the signal,
      // as it does in a terminal; what matters is that the app and its private Redis stop, without errors.
      if (child.pid) process.kill(-child.pid, 'SIGINT');
      const end = await exited;
      expect(end.code === 0 || end.signal === 'SIGINT', JSON.stringify(end)).toBe(true);
      await waitFor(async () => (await refusesConnections(port)) && (await refusesConnections(redisPort)), {
        timeoutMs: 30_000,
        message: () => `the app or its redis-server is still up after Ctrl+C:\n${output.slice(-3000)}`,
      });
      expect(output).not.toMatch(/"level":(50|60)|error during shutdown/);
    },
    INSTALL_AND_START_MS + 120_000,
  );
});

function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolvePromise(false);
    });
    socket.once('error', () => resolvePromise(true));
  });
}
