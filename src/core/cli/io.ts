import type { Readable, Writable } from 'node:stream';

/**
 * Everything a tool touches of its process, injectable so tests run a tool's job in-process
 * without spawning it.
 */
export interface ToolIO {
  readonly stdout: Writable & { isTTY?: boolean; columns?: number };
  readonly stderr: Writable & { isTTY?: boolean; columns?: number };
  readonly stdin?: Readable & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Aborted on SIGINT/SIGTERM by the entry point; jobs stop cleanly when it fires. */
  readonly signal?: AbortSignal;
}

export const processIO = (signal?: AbortSignal): ToolIO => ({
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
  ...(signal === undefined ? {} : { signal }),
});
