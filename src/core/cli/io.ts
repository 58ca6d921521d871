import type { Readable, Writable } from 'node:stream';

/**
 * What a job (a tool's `runX(options, deps)`) takes from the process it runs in, beside its
 * options: where it runs, its environment, and the signal that stops it.
 */
export interface JobDeps {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly signal?: AbortSignal | undefined;
}

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
  /**
   * The name the tool was invoked as (a link named pg_basebackup, say). Like the C tools
   * with argv[0], every message, --help and --version line uses it; unset, the tool's own.
   */
  readonly programName?: string;
}

/**
 * The real process's streams, looked up only when a tool touches them: Node builds
 * process.stdin/stdout/stderr on first access, and a hook like restorewal answering "missing"
 * should not pay for streams it never writes to. `onUse` tells the entry point which output
 * streams a tool used, so it watches and flushes only those.
 */
export const processIO = (
  signal?: AbortSignal,
  onUse?: (stream: Writable) => void,
  programName?: string,
): ToolIO => ({
  get stdout() {
    onUse?.(process.stdout);
    return process.stdout;
  },
  get stderr() {
    onUse?.(process.stderr);
    return process.stderr;
  },
  get stdin() {
    return process.stdin;
  },
  env: process.env,
  cwd: process.cwd(),
  ...(signal === undefined ? {} : { signal }),
  ...(programName === undefined ? {} : { programName }),
});

/** The name `tool` prints as: the invoked name when the entry point knows it. */
export const programNameOf = (io: Pick<ToolIO, 'programName'>, tool: string): string => io.programName ?? tool;
