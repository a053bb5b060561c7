import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { type AppProcess, spawnRole } from '../support/processes.js';

/** How `npm run playground` (main.ts playground) fails when it cannot run: plainly, and non-zero. */

const procs: AppProcess[] = [];
afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => p.kill()));
});

describe('starting the playground', () => {
  it('says how to install Redis, per OS, when there is no redis-server and no REDIS_URL', async () => {
    // A PATH with no redis-server on it (node itself is started by its full path).
    const p = spawnRole('playground', { PATH: mkdtempSync(join(tmpdir(), 'pw-no-redis-')), PORT: '0' });
    procs.push(p);
    expect(await p.exited).toBe(1);
    expect(p.output()).toContain('redis-server was not found on PATH');
    expect(p.output()).toContain('sudo apt-get install redis-server');
    expect(p.output()).toContain('brew install redis');
  });

  it('names the port and how to pick another when PORT is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const address = blocker.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const p = spawnRole('playground', { REDIS_URL: inject('redisUrl'), PORT: String(port) });
      procs.push(p);
      expect(await p.exited).toBe(1);
      expect(p.output()).toContain(`Port ${port} is in use`);
      expect(p.output()).toContain('PORT=');
    } finally {
      blocker.close();
    }
  });
});
