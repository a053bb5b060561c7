import { describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait.js';

describe('waitFor', () => {
  it('resolves with the first truthy value', async () => {
    let attempts = 0;
    const value = await waitFor(() => (++attempts >= 3 ? { attempts } : undefined), { intervalMs: 5 });
    expect(value).toEqual({ attempts: 3 });
  });

  it('treats a throwing probe as not yet, and quotes the last error on timeout', async () => {
    await expect(
      waitFor(
        async () => {
          throw new Error('connection refused');
        },
        { timeoutMs: 50, intervalMs: 5, message: 'worker never came up' },
      ),
    ).rejects.toThrow('worker never came up (last probe error: connection refused)');
  });

  it('times out with a default message', async () => {
    await expect(waitFor(() => false, { timeoutMs: 30 })).rejects.toThrow('waitFor timed out after 30 ms');
  });
});
