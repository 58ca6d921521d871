import { probeTestEnvironment } from './environment-probe.js';
import type { TestEnvironment } from './environment-probe.js';

export type { TestEnvironment } from './environment-probe.js';

/**
 * The variable through which the global setup hands its probe to the test workers (they are
 * forked after it ran, so they inherit it). An environment variable rather than vitest's
 * provide/inject keeps the harness importable outside vitest, by the demo and benchmarks.
 */
export const TEST_ENVIRONMENT_VARIABLE = 'WS_TEST_ENVIRONMENT';

let local: TestEnvironment | undefined;

/** The environment as the global setup saw it (probed here when there was no global setup). */
export function testEnvironment(): TestEnvironment {
  if (local !== undefined) return local;
  const handed = process.env[TEST_ENVIRONMENT_VARIABLE];
  local = handed === undefined || handed === '' ? probeTestEnvironment(null) : (JSON.parse(handed) as TestEnvironment);
  return local;
}
