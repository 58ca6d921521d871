import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { isObjectStoreUrl } from '../../core/archive/object-store-url.js';
import { runningWorker, writeAtomically } from '../../core/archive/spool.js';
import type { JobDeps } from '../../core/cli/io.js';
import { startDetached } from '../../core/cli/start-detached.js';
import { fsyncDirectory } from '../../core/fs/sync.js';
import { asIoError } from './fetch-verified.js';
import { parseRequestedFile } from './request.js';
import { syncsRestoredFile } from './restored-copy.js';
import { moveOutOfSpool } from './served-from-spool.js';
import { WANTED_FILE } from './wanted-file.js';
import { type RestoreWalOptions, type RestoreWalResult, runRestoreWal } from './run.js';

export interface PrefetchHookOptions extends RestoreWalOptions {
  readonly spool: string;
  /** How many segments after the one asked for are fetched ahead. */
  readonly prefetch: number;
  /** The prefetcher exits after this long without a request. */
  readonly idleExitMs: number;
}


/**
 * restore_command = `restorewal --prefetch N --spool DIR %f %p ARCHIVE`: a segment the
 * prefetcher already fetched (verified and decompressed) is moved into place by rename;
 * anything else is restored from the archive as without --prefetch. After each segment the
 * hook records it as wanted, and starts the prefetcher if none runs, which then fetches
 * the next N segments of that timeline. History, .partial and backup history files are never
 * prefetched or served from the spool: a new timeline must be seen at once.
 */
export async function runPrefetchHook(options: PrefetchHookOptions, deps: JobDeps): Promise<RestoreWalResult> {
  const file = parseRequestedFile(options.file);
  if (file.kind !== 'segment') return runRestoreWal(options, deps);
  const spool = resolve(deps.cwd, options.spool);
  mkdirSync(spool, { recursive: true, mode: 0o700 });
  const result = (await serveFromSpool(spool, file.name, options, deps.cwd)) ?? (await runRestoreWal(options, deps));
  writeAtomically(join(spool, WANTED_FILE), `${file.name} ${result.bytes}\n`);
  if (runningWorker(spool, 'prefetcher') === undefined) startPrefetcher(options, deps, spool);
  return result;
}

/** The prefetched copy, renamed to %p; undefined when there is none (or it is elsewhere: EXDEV). */
const serveFromSpool = async (spool: string, name: string, options: PrefetchHookOptions, cwd: string): Promise<RestoreWalResult | undefined> => {
  const target = resolve(cwd, options.target);
  let size: number | undefined;
  try {
    size = moveOutOfSpool(spool, name, target);
  } catch (error) {
    throw asIoError(error);
  }
  if (size === undefined) return undefined;
  await fsyncDirectory(dirname(target), { sync: syncsRestoredFile(target, options.sync) }).catch((error: unknown) => {
    throw asIoError(error);
  });
  return { file: name, restoredFrom: `${spool}/${name}`, compression: 'none', bytes: size, systemIdentifier: undefined };
};

const startPrefetcher = (options: PrefetchHookOptions, deps: JobDeps, spool: string): void => {
  const archive = isObjectStoreUrl(options.archive) ? options.archive : resolve(deps.cwd, options.archive);
  const args = [
    '--prefetcher', '--spool', spool, '--prefetch', String(options.prefetch), '--idle-exit', String(options.idleExitMs / 1000),
    ...(options.s3ConfigFile === undefined ? [] : ['--s3-config', resolve(deps.cwd, options.s3ConfigFile)]),
    archive,
  ];
  startDetached('restorewal', args, { cwd: deps.cwd, env: deps.env, logPath: join(spool, 'prefetcher.log') });
};
