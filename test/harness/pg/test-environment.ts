import { inject } from 'vitest';
import { probeTestEnvironment } from './environment-probe.js';
import type { TestEnvironment } from './environment-probe.js';

export type { TestEnvironment } from './environment-probe.js';

let local: TestEnvironment | undefined;

/** The environment as the global setup saw it (probed here if the run had no global setup). */
export function testEnvironment(): TestEnvironment {
  if (local !== undefined) return local;
  let provided: TestEnvironment | undefined;
  try {
    provided = inject('wsTestEnvironment');
  } catch {
    provided = undefined; // not inside a vitest worker
  }
  local = provided ?? probeTestEnvironment(null);
  return local;
}
