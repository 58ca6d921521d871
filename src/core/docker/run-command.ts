import { execFile } from 'node:child_process';

export interface CommandResult {
  /** Exit status, or undefined when the program could not be run or was killed. */
  readonly status: number | undefined;
  readonly stdout: string;
  readonly stderr: string;
  /** Set when the program could not be started (ENOENT, EACCES) or timed out. */
  readonly failure?: string;
}

export type CommandRunner = (file: string, args: readonly string[], timeoutMs: number) => Promise<CommandResult>;

/** Runs a program without a shell and never throws: callers decide what a failure means. */
export const runCommand: CommandRunner = (file, args, timeoutMs) =>
  new Promise((resolve) => {
    execFile(file, [...args], { timeout: timeoutMs, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } }, (error, stdout, stderr) => {
      if (error === null) {
        resolve({ status: 0, stdout, stderr });
        return;
      }
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'number') {
        resolve({ status: code, stdout, stderr });
        return;
      }
      const failure = error.killed ? `timed out after ${timeoutMs / 1000} s` : typeof code === 'string' ? code : error.message;
      resolve({ status: undefined, stdout, stderr, failure });
    });
  });
