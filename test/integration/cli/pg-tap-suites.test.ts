import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isCi } from '../../harness/pg/index.js';
import { REPO_ROOT } from '../../harness/pg/binaries.js';

// PostgreSQL 15's own TAP suites of the programs warmstandby replaces are the specification
// of drop-in behaviour: scripts/pg-tap-suites.sh runs them with the C tools (the control)
// and with our binaries linked under the C tools' names. Both must pass every test, with
// no more skipped than the control.
const SCRIPT = join(REPO_ROOT, 'scripts', 'pg-tap-suites.sh');
const CACHE = process.env['WS_PG_SOURCE_CACHE'] ?? '/var/cache/warmstandby/pg15-source';
const EXPECTED = { basebackup: 184, receivewal: 42, archivecleanup: 42, promote: 12 } as const;

/** Why the suites cannot run here, or undefined. Under CI a reason fails the test instead. */
const unavailable = (): string | undefined => {
  if (process.getuid?.() !== 0) return 'the suites run as the test user through runuser: needs root';
  const cached = existsSync(CACHE) && readdirSync(CACHE).some((name) => name.startsWith('postgresql-15-'));
  if (!cached) return `no PostgreSQL 15 source in ${CACHE}: run scripts/install-system-deps.sh as root`;
  return undefined;
};

interface SuiteResult {
  readonly tests: number;
  readonly skipped: number;
  readonly passed: boolean;
}

const runSuites = (mode: 'c' | 'ours'): Promise<{ results: Record<string, SuiteResult>; output: string }> =>
  new Promise((resolve) => {
    execFile('bash', [SCRIPT, mode], { timeout: 400_000, maxBuffer: 1 << 24 }, (_error, stdout, stderr) => {
      const output = `${stdout}${stderr}`;
      const results: Record<string, SuiteResult> = {};
      for (const match of output.matchAll(/^(\w+) \((?:c|ours)\): skipped=(\d+) .*Tests=(\d+),.*Result: (PASS|FAIL)/gm)) {
        const [, suite = '', skipped = '0', tests = '0', result] = match;
        results[suite] = { tests: Number(tests), skipped: Number(skipped), passed: result === 'PASS' };
      }
      resolve({ results, output });
    });
  });

describe("PostgreSQL 15's TAP suites of pg_basebackup, pg_receivewal, pg_archivecleanup and pg_ctl promote", () => {
  const reason = unavailable();
  if (reason !== undefined && isCi()) {
    it('has its prerequisites (CI=true)', () => {
      throw new Error(`Cannot run PostgreSQL's TAP suites: ${reason}`);
    });
    return;
  }
  let control: Record<string, SuiteResult> = {};
  for (const mode of ['c', 'ours'] as const) {
    it.skipIf(reason !== undefined)(`pass with ${mode === 'c' ? 'the C tools (control)' : "warmstandby's tools under their names"}${reason === undefined ? '' : ` (skipped: ${reason})`}`, async () => {
      const { results, output } = await runSuites(mode);
      const want = Object.fromEntries(Object.entries(EXPECTED).map(([suite, tests]) => [suite, { tests, passed: true }]));
      const got = Object.fromEntries(Object.entries(results).map(([suite, r]) => [suite, { tests: r.tests, passed: r.passed }]));
      expect(got, output).toEqual(want);
      if (mode === 'c') control = results;
      else {
        for (const [suite, result] of Object.entries(results)) {
          expect(result.skipped, `${suite}: skipped more than the control\n${output}`).toBeLessThanOrEqual(control[suite]?.skipped ?? 0);
        }
      }
    }, 420_000);
  }
});
