import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    // Timeouts catch hangs, not slowness: a CLI test starts the embedded
    // stores (a JVM) several times, and every audited step now also asks the
    // key service for the writer MAC, so a busy 2-core machine needs room.
    testTimeout: 180_000,
    hookTimeout: 240_000,
    // Integration files each start their own DynamoDB Local (a JVM); two at
    // a time fits the 2-core machines.
    maxWorkers: 2,
    coverage: {
      include: ['shared/**/*.ts'],
      thresholds: { lines: 80 },
    },
  },
});
