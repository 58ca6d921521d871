import { closeSync, constants, fsyncSync, openSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { fsyncFd } from './fd-ops.js';
import { fileSystemError, withFsError } from './fs-error.js';

/**
 * `sync: false` turns every fsync into a no-op, for callers run with --no-sync (tests, or
 * a caller that syncs once at the end). Everything else defaults to syncing.
 */
export interface SyncOptions {
  readonly sync?: boolean;
}

export const shouldSync = (options: SyncOptions | undefined): boolean => options?.sync !== false;

/**
 * fsync(2) on a directory, so a rename or link inside it survives a crash. Only the fsync
 * waits for the disk and goes to the thread pool: opening and closing the directory take
 * microseconds, and each trip through the pool can wait behind a busy event loop.
 */
export async function fsyncDirectory(dir: string, options?: SyncOptions): Promise<void> {
  if (!shouldSync(options)) return;
  await withFsError('fsync directory', dir, async () => {
    const fd = openSync(dir, 'r');
    try {
      await fsyncFd(fd);
    } finally {
      closeSync(fd);
    }
  });
}

/** fsyncDirectory for a quick path that runs without promises; throws the plain Node error. */
export function fsyncDirectorySync(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export interface FsyncPathsOptions {
  /** fsyncs waiting on the pool at once. */
  readonly inFlight: number;
  /** Open through a symbolic link (a backup's pg_tblspc links) instead of refusing it. */
  readonly followLinks: boolean;
}

/**
 * fsync(2) on every path (files or directories), a few at a time: only the fsync goes to
 * the pool, opening and closing take microseconds. After a failure no new path is started;
 * the first failure is thrown, as "Cannot fsync PATH", once those in flight are done.
 */
export async function fsyncPaths(paths: readonly string[], options: FsyncPathsOptions): Promise<void> {
  const flags = constants.O_RDONLY | (options.followLinks ? 0 : constants.O_NOFOLLOW);
  let next = 0;
  let failure: Error | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < paths.length) {
      const path = paths[next++] as string;
      try {
        const fd = openSync(path, flags);
        try {
          await fsyncFd(fd);
        } finally {
          closeSync(fd);
        }
      } catch (error) {
        failure ??= fileSystemError(error, 'fsync', path);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.inFlight, paths.length) }, worker));
  if (failure !== undefined) throw failure;
}

/** fsync(2) on a file by name. */
export async function fsyncFile(path: string, options?: SyncOptions): Promise<void> {
  if (!shouldSync(options)) return;
  await withFsError('fsync file', path, async () => {
    const handle = await open(path, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  });
}
