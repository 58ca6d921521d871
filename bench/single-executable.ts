import { spawnSync } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');

/**
 * Builds the single executable into `out` (scripts/build-exe.mjs) and links it under
 * `tool`, the way archive_command and restore_command name it; returns the link's path.
 */
export const buildExecutable = (out: string, tool: string, codeCache = true): string => {
  const args = [join(root, 'scripts', 'build-exe.mjs'), '--out', out, ...(codeCache ? [] : ['--no-code-cache'])];
  const result = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`build-exe failed: ${result.stderr}`);
  const link = join(out, tool);
  symlinkSync(join(out, 'warmstandby'), link);
  return link;
};
