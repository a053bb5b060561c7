// Makes `npm start` and `npm test` work as the first command typed on a fresh clone: installs the locked
// dependencies (`npm ci`) when node_modules is missing or does not match package-lock.json, then gets out
// of the way. Cheap when nothing changed: it compares versions, it does not touch the network.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const lockPath = join(root, 'package-lock.json');
// npm writes this "hidden lockfile" after every install: what node_modules actually holds.
const installedPath = join(root, 'node_modules', '.package-lock.json');

/** Why node_modules needs `npm ci`, or undefined when it matches the lock file. */
function staleReason() {
  if (!existsSync(installedPath)) return 'node_modules is not installed';
  const wanted = JSON.parse(readFileSync(lockPath, 'utf8')).packages ?? {};
  const installed = JSON.parse(readFileSync(installedPath, 'utf8')).packages ?? {};
  for (const [path, entry] of Object.entries(wanted)) {
    // The root entry is the project itself; optional packages for other platforms are never installed.
    if (path === '' || entry.link || entry.optional) continue;
    if (installed[path]?.version !== entry.version)
      return `${path.replace(/^node_modules\//, '')} is not ${entry.version}`;
  }
  return undefined;
}

const why = staleReason();
if (why !== undefined) {
  console.error(`Installing the locked dependencies (${why}): npm ci`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error('npm ci failed: see above. Pipewright needs Node 20 and npm, and the npm registry.');
    process.exit(result.status ?? 1);
  }
}
