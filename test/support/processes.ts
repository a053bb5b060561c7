import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = resolve(import.meta.dirname, '../..');
const MAIN = join(ROOT, 'src/main.ts');
// Node loads TypeScript through tsx's loader in the same process (the tsx CLI would add a parent process
// that a SIGKILL would hit instead of the app).
const TSX_LOADER = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

export interface AppProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  /** SIGKILL: no shutdown code runs, as when a machine dies. */
  kill(): Promise<void>;
}

/**
 * Runs `src/main.ts <role>` as its own process, from an empty directory so no developer .env leaks in; or,
 * given `compiledMain` (a built `main.js`), runs that with plain node, as the Docker image does.
 */
export function spawnRole(role: string, env: Record<string, string>, compiledMain?: string): AppProcess {
  const cwd = mkdtempSync(join(tmpdir(), 'pw-proc-'));
  const args = compiledMain
    ? ['--enable-source-maps', compiledMain, role]
    : ['--import', TSX_LOADER, MAIN, role];
  const child = spawn(process.execPath, args, {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: 'pipe',
  });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += String(d);
  });
  child.stderr?.on('data', (d) => {
    out += String(d);
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return {
    child,
    output: () => out,
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Waits until GET /healthz on `port` answers 200. */
export async function waitHealthy(port: number, proc: AppProcess, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
    if (res?.status === 200) return;
    if (proc.child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`process never became healthy on port ${port}:\n${proc.output().slice(-3000)}`);
}
