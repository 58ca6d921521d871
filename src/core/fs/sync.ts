import { closeSync, fsyncSync, openSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { fsyncFd } from './fd-ops.js';
import { withFsError } from './fs-error.js';

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
