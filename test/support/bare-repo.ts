import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';

/** A bare git repository in a temporary directory, removed when the test ends: where files get pushed. */
export function bareRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pw-bare-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync('git', ['init', '-q', '--bare', dir]);
  return dir;
}

/** Runs git on a bare repository and returns what it printed, trimmed. */
export const gitIn = (dir: string, ...args: string[]): string =>
  execFileSync('git', ['--git-dir', dir, ...args], { encoding: 'utf8' }).trim();
