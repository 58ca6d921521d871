import { spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopObjectStore } from './objstore/object-store.js';
import { REPO_ROOT } from './pg/binaries.js';
import { forget, reapLeftovers, registerTempDir } from './pg/leftovers.js';
import { findServerUser } from './pg/server-user.js';
import { missingPrerequisites, probeTestEnvironment } from './pg/environment-probe.js';
import { TEST_ENVIRONMENT_VARIABLE } from './pg/test-environment.js';

let runDir: string | undefined;
let runDirHandle: string | undefined;

/**
 * Runs once per `vitest run`: prepares the PostgreSQL binaries (idempotent; the pretest step
 * normally did it already), stops servers a crashed earlier run left behind, probes every
 * prerequisite once and hands the result to the test workers (with a shared directory where
 * the first worker that needs TLS fixtures makes them). Under CI=true a missing
 * prerequisite fails the run; locally the affected tests are reported as skipped.
 */
export async function setup(): Promise<void> {
  const prepare = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'setup-test-env.mjs'), '--prepare-only', '--quiet'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  const reaped = reapLeftovers();
  if (reaped > 0) console.warn(`test harness: stopped ${reaped} PostgreSQL server(s) left by an earlier run`);

  runDir = mkdtempSync(join(tmpdir(), 'ws-run-'));
  runDirHandle = registerTempDir(runDir);
  const user = findServerUser();
  if (user?.separate === true) chownSync(runDir, user.uid, user.gid);
  const environment = probeTestEnvironment(runDir);
  const missing = missingPrerequisites(environment);
  if (prepare.status !== 0) missing.unshift(`setup-test-env.mjs failed: ${(prepare.stderr || prepare.stdout).trim()}`);
  if (missing.length > 0) {
    const report = missing.map((line) => `  - ${line}`).join('\n');
    if (environment.ci) throw new Error(`Missing test prerequisites (CI=true turns them into a failure):\n${report}`);
    console.warn(`\ntest harness: missing prerequisites, the tests needing them are SKIPPED:\n${report}\n`);
  }
  process.env[TEST_ENVIRONMENT_VARIABLE] = JSON.stringify(environment);
}

export function teardown(): void {
  if (runDir !== undefined) stopObjectStore(runDir);
  reapLeftovers();
  if (runDir !== undefined && process.env['WS_KEEP_TEST_DIRS'] !== '1') rmSync(runDir, { recursive: true, force: true });
  if (runDirHandle !== undefined) forget(runDirHandle);
}
