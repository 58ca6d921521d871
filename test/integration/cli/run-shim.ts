import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const REPO_ROOT = join(import.meta.dirname, '..', '..', '..');
const run = promisify(execFile);

export interface ShimOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs bin/<tool> as a user would (its shebang, no node in front); never throws on exit. */
export const runShim = async (
  tool: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<ShimOutcome> => {
  try {
    const { stdout, stderr } = await run(join(REPO_ROOT, 'bin', tool), args, options);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
};
