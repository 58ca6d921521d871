import { spawn } from 'node:child_process';
import { serverUserSpawnOptions } from './server-user.js';

export interface RunOptions {
  /** Run as the unprivileged server user (only changes anything when the tests run as root). */
  readonly asServerUser?: boolean;
  /** The complete environment of the child: the test process's own PG* variables never leak in. */
  readonly env?: Readonly<Record<string, string>>;
  readonly input?: string | Buffer;
  readonly cwd?: string;
  readonly timeoutMs?: number;
}

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A minimal environment for child processes: PATH and locale only, plus what the caller adds. */
export function baseEnv(extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin',
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    TZ: 'UTC',
    ...extra,
  };
}

/** Runs a program to completion and collects its output; never throws for a non-zero exit. */
export function runProcess(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const identity = options.asServerUser === true ? serverUserSpawnOptions() : {};
  const env = { ...(options.env ?? baseEnv()), ...('home' in identity ? { HOME: identity.home } : {}) };
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? '/',
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(identity.uid === undefined ? {} : { uid: identity.uid, gid: identity.gid }),
      ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs, killSignal: 'SIGKILL' as const }),
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.stdin.on('error', () => undefined); // the child may exit before reading all input
    child.on('close', (code, signal) =>
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }),
    );
    child.stdin.end(options.input ?? '');
  });
}

/** Like runProcess, but a non-zero exit becomes an error carrying stderr (callers redact secrets). */
export async function runChecked(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const result = await runProcess(command, args, options);
  if (result.code !== 0) {
    const name = command.split('/').pop() ?? command;
    throw new Error(`${name} ${args.join(' ')} exited with ${result.code ?? result.signal}: ${result.stderr.trim()}`);
  }
  return result;
}
