import { main } from '../../../src/tools/live-restore/cli.js';
import { captureIO } from '../../harness/capture-io.js';

export interface CliOutcome {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `live-restore <args>` in-process (the same main the binary runs), output captured. */
export async function liveRestore(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliOutcome> {
  const io = captureIO(process.cwd(), {
    PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin', HOME: process.env['HOME'] ?? '/root', ...env,
  });
  const status = await main(args, io);
  return { status, stdout: io.out(), stderr: io.err() };
}

/** The JSON document a --json run printed. */
export const jsonOf = <T = Record<string, unknown>>(outcome: CliOutcome): T => {
  try {
    return JSON.parse(outcome.stdout) as T;
  } catch {
    throw new Error(`not JSON (status ${outcome.status}):\n${outcome.stdout}\n${outcome.stderr}`);
  }
};

export interface FindingJson {
  readonly id: string;
  readonly severity: string;
  readonly message: string;
}

export const findingIds = (outcome: CliOutcome): string[] =>
  jsonOf<{ findings: FindingJson[] }>(outcome).findings.map((f) => f.id);
