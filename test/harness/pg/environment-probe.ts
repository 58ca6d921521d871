// No runtime import of vitest here: the global setup (outside the workers) uses this file.
import { locatePgBinaries, locateTool, TOOL_PATHS } from './binaries.js';
import type { Availability, PgBinaries, ToolName } from './binaries.js';
import { isCi, pgMajorsUnderTest } from './majors.js';

/** What the global setup found, handed to every test worker through vitest's provide/inject. */
export interface TestEnvironment {
  readonly ci: boolean;
  readonly majors: readonly number[];
  readonly pg: Readonly<Record<string, Availability<PgBinaries & { readonly version: string }>>>;
  readonly tools: Readonly<Record<string, Availability<string>>>;
  /** Directory shared by the whole run (TLS fixtures live here); removed at the end of the run. */
  readonly runDir: string | null;
}

/** Probes everything now (spawns each binary once); the global setup does this once per run. */
export function probeTestEnvironment(runDir: string | null): TestEnvironment {
  const majors = pgMajorsUnderTest();
  const pg: Record<string, Availability<PgBinaries & { readonly version: string }>> = {};
  for (const major of majors) pg[String(major)] = locatePgBinaries(major);
  const tools: Record<string, Availability<string>> = {};
  for (const name of Object.keys(TOOL_PATHS) as ToolName[]) tools[name] = locateTool(name);
  return { ci: isCi(), majors, pg, tools, runDir };
}

/** One line per missing prerequisite; empty when everything is there. */
export function missingPrerequisites(env: TestEnvironment): string[] {
  const lines: string[] = [];
  for (const [major, found] of Object.entries(env.pg)) if (!found.ok) lines.push(`PostgreSQL ${major}: ${found.reason}`);
  for (const [tool, found] of Object.entries(env.tools)) if (!found.ok) lines.push(`${tool}: ${found.reason}`);
  return lines;
}
