import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, statSync, truncateSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { classifyIncoming } from '../../core/archive/incoming-file.js';
import { isObjectStoreUrl } from '../../core/archive/location.js';
import { isAcknowledged, readError, runningPusher } from '../../core/archive/spool.js';
import { ValidationError, WarmstandbyError } from '../../core/errors.js';
import { type ArchiveWalOptions, type ArchiveWalResult, runArchiveWal } from './run.js';

export interface AsyncHookOptions extends ArchiveWalOptions {
  readonly spool: string;
  readonly jobs: number;
  /** How long the hook waits for the pusher's acknowledgement before it fails (the server retries). */
  readonly timeoutMs: number;
  /** The pusher exits after this long with nothing to push. */
  readonly idleExitMs: number;
}

export type AsyncHookResult = ArchiveWalResult | { readonly file: string; readonly outcome: 'acknowledged' };

const POLL_MS = 25;
const CHECK_PUSHER_MS = 1_000;
const LOG_LIMIT = 16 * 1024 * 1024;

/**
 * archive_command = `archivewal --async --spool DIR %p ARCHIVE`: answered from the spool.
 * Acknowledged → 0 at once; a recorded error → that error (it reaches the server log);
 * otherwise the pusher is started if none runs, and the hook waits for its answer. A file
 * PostgreSQL did not list as ready (someone running the hook by hand) is pushed here and now.
 */
export async function runAsyncHook(options: AsyncHookOptions): Promise<AsyncHookResult> {
  const file = classifyIncoming(options.source);
  const sourcePath = resolve(options.cwd, options.source);
  const walDir = dirname(sourcePath);
  const spool = resolve(options.cwd, options.spool);
  mkdirSync(spool, { recursive: true, mode: 0o700 });
  if (isAcknowledged(spool, file.name)) return { file: file.name, outcome: 'acknowledged' };
  if (!existsSync(join(walDir, 'archive_status', `${file.name}.ready`))) return runArchiveWal(options);
  const deadline = Date.now() + options.timeoutMs;
  let nextPusherCheck = 0;
  for (;;) {
    if (isAcknowledged(spool, file.name)) return { file: file.name, outcome: 'acknowledged' };
    const recorded = readError(spool, file.name);
    if (recorded !== undefined) throw new WarmstandbyError('async-push-failed', recorded);
    if (Date.now() >= nextPusherCheck) {
      if (runningPusher(spool) === undefined) startPusher(options, spool, walDir);
      nextPusherCheck = Date.now() + CHECK_PUSHER_MS;
    }
    if (Date.now() >= deadline) {
      throw new WarmstandbyError(
        'async-timeout',
        `Cannot archive "${file.name}": the pusher did not confirm it within ${options.timeoutMs / 1000} s`,
        { hint: `The pusher logs to ${join(spool, 'pusher.log')}; the server will call again.` },
      );
    }
    await sleep(POLL_MS, undefined, options.signal === undefined ? {} : { signal: options.signal });
  }
}

/**
 * Starts `archivewal --pusher` detached (it outlives this hook), logging to SPOOL/pusher.log.
 * It runs the same way this process was started: the single executable, or node with
 * bin/archivewal.
 */
const startPusher = (options: AsyncHookOptions, spool: string, walDir: string): void => {
  const archive = isObjectStoreUrl(options.archive) ? options.archive : resolve(options.cwd, options.archive);
  const args = [
    '--pusher', '--spool', spool, '--wal-dir', walDir, '--jobs', String(options.jobs),
    '--idle-exit', String(options.idleExitMs / 1000), '-Z', options.compression.method === 'none' ? 'none' : `${options.compression.method}:${options.compression.level}`,
    ...(options.s3ConfigFile === undefined ? [] : ['--s3-config', resolve(options.cwd, options.s3ConfigFile)]),
    ...(options.sync ? [] : ['--no-sync']),
    archive,
  ];
  const logPath = join(spool, 'pusher.log');
  if ((statSync(logPath, { throwIfNoEntry: false })?.size ?? 0) > LOG_LIMIT) truncateSync(logPath);
  const log = openSync(logPath, 'a', 0o600);
  try {
    const [command, commandArgs, argv0] = selfInvocation();
    const child = spawn(command, [...commandArgs, ...args], {
      cwd: walDir,
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
};

/** How to run archivewal again: the single executable by its dispatcher name, or node + bin/archivewal. */
const selfInvocation = (): [string, string[], string | undefined] => {
  if (isSingleExecutable()) return [process.execPath, ['archivewal'], 'warmstandby'];
  // dist/tools/archivewal/ and src/tools/archivewal/ are both three levels below the root.
  const shim = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bin', 'archivewal');
  if (!existsSync(shim)) throw new ValidationError('async-no-shim', `Cannot start the pusher: ${shim} is missing`);
  return [process.execPath, [shim], undefined];
};

/** Node itself is `node` (or `node20`, `node.exe`); anything else running us is the single executable. */
const isSingleExecutable = (): boolean => !/^node[\d.]*(\.exe)?$/.test(basename(process.execPath));
