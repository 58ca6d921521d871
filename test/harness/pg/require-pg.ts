import { describe } from 'vitest';
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

export interface DescribeWithPgOptions {
  /** Client/oracle programs the block needs besides psql and openssl (which the harness needs). */
  readonly tools?: readonly ToolName[];
  /** Restrict to some majors (e.g. a feature that exists from 15 on); the others are not listed. */
  readonly majors?: (major: number) => boolean;
}

/**
 * One `describe` block per major under test, titled "<title> [pg<major>]". When a
 * prerequisite is missing (only possible outside CI: under CI=true the global setup fails the
 * run) the block is registered as skipped with the reason in its title, so it shows up as
 * skipped, never as passed.
 */
export function describeWithPg(title: string, body: (major: number) => void, options: DescribeWithPgOptions = {}): void {
  for (const major of testEnvironment().majors) {
    if (options.majors !== undefined && !options.majors(major)) continue;
    const reasons = [pgUnavailableReason(major), ...['psql', 'openssl', ...(options.tools ?? [])].map((t) => toolUnavailableReason(t as ToolName))]
      .filter((r): r is string => r !== undefined);
    const name = `${title} [pg${major}]`;
    if (reasons.length === 0) describe(name, () => body(major));
    else describe.skip(`${name} (skipped: ${reasons.join('; ')})`, () => body(major));
  }
}
