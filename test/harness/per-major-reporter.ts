import type { Reporter, TestModule } from 'vitest/node';

// Integration suites run once per PostgreSQL major under test, their titles tagged
// `[pgNN]` (describe-with-pg.ts). The default reporter prints per-test lines only for some
// tests, so counting those lines undercounts; this prints, with the summary, exactly how
// many tests of each major passed, failed or were skipped, and how many carry no tag.

const MAJOR_TAG = /\[pg(\d+)\]/;

type Tally = Record<'passed' | 'failed' | 'skipped', number>;

export default class PerMajorReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const tallies = new Map<string, Tally>();
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const key = MAJOR_TAG.exec(test.fullName)?.[1];
        const label = key === undefined ? 'untagged' : `pg${key}`;
        const tally = tallies.get(label) ?? { passed: 0, failed: 0, skipped: 0 };
        const state = test.result().state;
        // A test that never finished (pending) counts as failed: it did not pass.
        tally[state === 'passed' ? 'passed' : state === 'skipped' ? 'skipped' : 'failed'] += 1;
        tallies.set(label, tally);
      }
    }
    const lines = [...tallies]
      .sort(([a], [b]) => (a === 'untagged' ? 1 : b === 'untagged' ? -1 : a.localeCompare(b)))
      .map(([label, t]) => `  ${label.padEnd(9)} ${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped`);
    process.stdout.write(`\nTests per PostgreSQL major (untagged: unit tests and tests without a server):\n${lines.join('\n')}\n`);
  }
}
