import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { classifyIncoming } from '../../core/archive/incoming-file.js';
import { isObjectStoreUrl } from '../../core/archive/object-store-url.js';
import { isAcknowledged, readError, runningWorker } from '../../core/archive/spool.js';
import type { JobDeps } from '../../core/cli/io.js';
import { startDetached } from '../../core/cli/start-detached.js';
import { WarmstandbyError } from '../../core/errors.js';
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

/**
 * archive_command = `archivewal --async --spool DIR %p ARCHIVE`: answered from the spool.
 * Acknowledged → 0 at once; a recorded error → that error (it reaches the server log);
 * otherwise the pusher is started if none runs, and the hook waits for its answer. A file
 * PostgreSQL did not list as ready (someone running the hook by hand) is pushed here and now.
 */
export async function runAsyncHook(options: AsyncHookOptions, deps: JobDeps): Promise<AsyncHookResult> {
  const file = classifyIncoming(options.source);
  const sourcePath = resolve(deps.cwd, options.source);
  const walDir = dirname(sourcePath);
  const spool = resolve(deps.cwd, options.spool);
  mkdirSync(spool, { recursive: true, mode: 0o700 });
  if (isAcknowledged(spool, file.name)) return { file: file.name, outcome: 'acknowledged' };
  if (!existsSync(join(walDir, 'archive_status', `${file.name}.ready`))) return runArchiveWal(options, deps);
  const deadline = Date.now() + options.timeoutMs;
  let nextPusherCheck = 0;
  for (;;) {
    if (isAcknowledged(spool, file.name)) return { file: file.name, outcome: 'acknowledged' };
    const recorded = readError(spool, file.name);
    if (recorded !== undefined) throw new WarmstandbyError('async-push-failed', recorded);
    if (Date.now() >= nextPusherCheck) {
      if (runningWorker(spool) === undefined) startPusher(options, deps, spool, walDir);
      nextPusherCheck = Date.now() + CHECK_PUSHER_MS;
    }
    if (Date.now() >= deadline) {
      throw new WarmstandbyError(
        'async-timeout',
        `Cannot archive "${file.name}": the pusher did not confirm it within ${options.timeoutMs / 1000} s`,
        { hint: `The pusher logs to ${join(spool, 'pusher.log')}; the server will call again.` },
      );
    }
    await sleep(POLL_MS, undefined, deps.signal === undefined ? {} : { signal: deps.signal });
  }
}

/** Starts `archivewal --pusher` for this spool, logging to SPOOL/pusher.log. */
const startPusher = (options: AsyncHookOptions, deps: JobDeps, spool: string, walDir: string): void => {
  const archive = isObjectStoreUrl(options.archive) ? options.archive : resolve(deps.cwd, options.archive);
  const args = [
    '--pusher', '--spool', spool, '--wal-dir', walDir, '--jobs', String(options.jobs),
    '--idle-exit', String(options.idleExitMs / 1000), '-Z', options.compression.method === 'none' ? 'none' : `${options.compression.method}:${options.compression.level}`,
    ...(options.s3ConfigFile === undefined ? [] : ['--s3-config', resolve(deps.cwd, options.s3ConfigFile)]),
    ...(options.sync ? [] : ['--no-sync']),
    archive,
  ];
  startDetached('archivewal', args, { cwd: walDir, env: deps.env, logPath: join(spool, 'pusher.log') });
};
