import { Writable } from 'node:stream';
import type { ToolIO } from '../../../src/core/cli/io.js';
import { main } from '../../../src/tools/live-restore/cli.js';

export interface CliOutcome {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

const capture = (): { stream: Writable; text: () => string } => {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(Buffer.from(chunk));
      callback();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
};

/** Runs `live-restore <args>` in-process (the same main the binary runs), output captured. */
export async function liveRestore(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliOutcome> {
  const stdout = capture();
  const stderr = capture();
  const io: ToolIO = {
    stdout: stdout.stream,
    stderr: stderr.stream,
    env: { PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin', HOME: process.env['HOME'] ?? '/root', NO_COLOR: '1', ...env },
    cwd: process.cwd(),
  };
  const status = await main(args, io);
  return { status, stdout: stdout.text(), stderr: stderr.text() };
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
