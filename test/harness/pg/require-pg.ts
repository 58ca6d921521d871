import { locatePgBinaries } from './binaries.js';
import type { Availability, PgBinaries, ToolName } from './binaries.js';
import { testEnvironment } from './test-environment.js';

export type FoundPg = PgBinaries & { readonly version: string };

const probedHere = new Map<number, Availability<FoundPg>>();

/** The global setup's finding, or (for a major outside the run's list) a probe made now. */
function findPg(major: number): Availability<FoundPg> {
  const found = testEnvironment().pg[String(major)];
  if (found !== undefined) return found;
  let probed = probedHere.get(major);
  if (probed === undefined) {
    probed = locatePgBinaries(major);
    probedHere.set(major, probed);
  }
  return probed;
}

/** Why the binaries of `major` cannot be used, or undefined when they can. */
export function pgUnavailableReason(major: number): string | undefined {
  const found = findPg(major);
  return found.ok ? undefined : found.reason;
}

/**
 * The binaries of `major`; throws with the reason when missing (the global setup already
 * failed a CI run). Works for majors outside WS_PG_MAJORS too (cross-version tests).
 */
export function requirePg(major: number): FoundPg {
  const found = findPg(major);
  if (found.ok) return found.value;
  throw new Error(`Cannot use PostgreSQL ${major}: ${found.reason}`);
}

/** Path of a client or oracle program (psql, pg_waldump, lz4...); throws when missing. */
export function requireTool(name: ToolName): string {
  const found = testEnvironment().tools[name];
  if (found?.ok === true) return found.value;
  throw new Error(`Cannot use ${name}: ${found?.reason ?? 'not probed'}`);
}

export function toolUnavailableReason(name: ToolName): string | undefined {
  const found = testEnvironment().tools[name];
  return found?.ok === true ? undefined : (found?.reason ?? 'not probed');
}


