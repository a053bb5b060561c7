import { describe, expect, it } from 'vitest';
import { threadOf } from '../../src/domain/ids.js';
import { keySpace } from '../../src/memory/keys.js';
import { runToFirstGate, startHarness } from './harness.js';

describe('a step that fails for good', () => {
  it('tells the thread at once when the project record cannot be read, instead of retrying in silence', async () => {
    const h = await startHarness();
    const threadTs = await runToFirstGate(h);
    const projectId = `T0001-C0PROJECTS-${threadTs}`;
    await h.redis.set(keySpace(h.config.redis.keyPrefix).project(projectId), '{"not": "a project"');
    await h.reply(threadTs, 'status');
    await h.waitForThread(
      threadTs,
      /I could not apply a step to this project \(stored record .* does not match its schema\)/,
      5_000,
    );
    expect(h.threadText(threadTs)).toContain(`under project ${projectId}`);
    expect(h.logs.some((l) => l.msg === 'orchestrator event failed')).toBe(true);
  });

  it('finds the thread from a project id', () => {
    expect(threadOf('T0001-C0PROJECTS-1700000001.000100')).toEqual({
      teamId: 'T0001',
      channelId: 'C0PROJECTS',
      threadTs: '1700000001.000100',
    });
    expect(threadOf('garbage')).toBeUndefined();
  });
});
