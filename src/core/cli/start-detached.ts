import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, statSync, truncateSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ValidationError } from '../errors.js';

export interface DetachedOptions {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Appended to (and emptied when larger than 16 MB): the worker's only output. */
  readonly logPath: string;
}

const LOG_LIMIT = 16 * 1024 * 1024;

/**
 * Starts `tool args…` as a detached background worker that outlives the hook starting it
 * (archivewal's pusher, restorewal's prefetcher), the same way this process runs: the
 * single executable by its dispatcher name, or node with bin/<tool>.
 */
export function startDetached(tool: string, args: readonly string[], options: DetachedOptions): void {
  if ((statSync(options.logPath, { throwIfNoEntry: false })?.size ?? 0) > LOG_LIMIT) truncateSync(options.logPath);
  const log = openSync(options.logPath, 'a', 0o600);
  try {
    const [command, commandArgs, argv0] = selfInvocation(tool);
    const child = spawn(command, [...commandArgs, ...args], {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['ignore', log, log],
      ...(argv0 === undefined ? {} : { argv0 }),
    });
    child.on('error', () => undefined);
    child.unref();
  } finally {
    closeSync(log);
  }
}

const selfInvocation = (tool: string): [string, string[], string | undefined] => {
  if (isSingleExecutable()) return [process.execPath, [tool], 'warmstandby'];
  const shim = join(rootDir(), 'bin', tool);
  if (!existsSync(shim)) throw new ValidationError('no-shim', `Cannot start ${tool} in the background: ${shim} is missing`);
  return [process.execPath, [shim], undefined];
};

/**
 * The installation's root. A bundle in dist/quick/ (CommonJS: its loader passes that
 * directory as __dirname) is two levels below it; this module in dist/core/cli/ or
 * src/core/cli/ (an ES module) three. The bundles define import.meta.url away
 * (scripts/bundle-quick-paths.mjs), so only the second form reads it.
 */
const rootDir = (): string =>
  typeof __dirname === 'string' && basename(__dirname) === 'quick'
    ? join(__dirname, '..', '..')
    : join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Node itself is `node` (or `node20`, `node.exe`); anything else running us is the single executable. */
const isSingleExecutable = (): boolean => !/^node[\d.]*(\.exe)?$/.test(basename(process.execPath));
