import { describe } from 'vitest';
import type { ToolName } from './binaries.js';
import { pgUnavailableReason, toolUnavailableReason } from './require-pg.js';
import { testEnvironment } from './test-environment.js';

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
