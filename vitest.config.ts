import { defineConfig } from 'vitest/config';

// Integration tests start real PostgreSQL servers and a private dockerd; on a 2-core machine
// two workers keep the suite fast without starving the servers they talk to.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Probes prerequisites once, makes the TLS fixtures, stops servers left by crashed runs.
    globalSetup: ['test/harness/global-setup.ts'],
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // The per-major tally makes the counts a closing note reports exact (per-major-reporter.ts).
    reporters: ['default', './test/harness/per-major-reporter.ts'],
  },
});
