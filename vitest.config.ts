import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // Integration tests start real processes and a real Redis: give them room, but fail loudly.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
