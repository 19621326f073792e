import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration files each start their own DynamoDB Local (a JVM); two at
    // a time fits the 2-core machines.
    maxWorkers: 2,
    coverage: {
      include: ['shared/**/*.ts'],
      thresholds: { lines: 80 },
    },
  },
});
