import { defineConfig } from 'vitest/config';

// Two projects: `unit` (fast, per package, also run under Node 22 and 24) and `e2e` (real processes, real files:
// crash loops, tamper detection, the CLI). `npm test` runs both; see scripts/test.mjs.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/test/**/*.test.ts'],
          testTimeout: 60_000,
          pool: 'forks',
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/**/*.test.ts'],
          testTimeout: 600_000,
          hookTimeout: 120_000,
          pool: 'forks',
          fileParallelism: false,
        },
      },
    ],
  },
});
