import { rename, unlink } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { ArchiveStore } from '../../core/archive/archive-store.js';
import { openArchive } from '../../core/archive/open-archive.js';
import type { JobDeps } from '../../core/cli/io.js';
import { WarmstandbyError } from '../../core/errors.js';
import { withFsError } from '../../core/fs/fs-error.js';
import { fsyncDirectory } from '../../core/fs/sync.js';
import { tempPathFor } from '../../core/fs/temp-name.js';
import type { WalFileName } from '../../core/wal/wal-file-kind.js';
import { asIoError, fetchVerifiedTo } from './fetch-verified.js';
import { OBJECT_RETRY_BUDGET_MS } from './object-retry-budget.js';
import { parseRequestedFile } from './request.js';
import { syncsRestoredFile } from './restored-copy.js';

export { NotInArchiveError } from './fetch-verified.js';

export interface RestoreWalOptions {
  /** `%f`: the file the server wants. */
  readonly file: string;
  /** `%p`: where to put it, relative to `cwd` (the data directory under restore_command). */
  readonly target: string;
  /** An archive directory, or an s3:// URL. */
  readonly archive: string;
  readonly sync: boolean;
  /** --s3-config (else $WARMSTANDBY_S3_CONFIG): settings of an object archive. */
  readonly s3ConfigFile?: string | undefined;
}

export interface RestoreWalResult {
  readonly file: string;
  readonly restoredFrom: string;
  readonly compression: string;
  readonly bytes: number;
  readonly systemIdentifier: string | undefined;
}

/**
 * restore_command: find the file in the archive (plain or compressed), check it belongs
 * under the requested name and to this system, and put it at `%p` through a temporary name
 * (durable unless %p is one of the server's scratch names, which it syncs itself:
 * restored-copy.ts).
 */
export async function runRestoreWal(options: RestoreWalOptions, deps: JobDeps): Promise<RestoreWalResult> {
  const file = parseRequestedFile(options.file);
  const { store, close } = await openArchive(options.archive, {
    cwd: deps.cwd,
    env: deps.env,
    s3ConfigFile: options.s3ConfigFile,
    signal: deps.signal,
    retryBudgetMs: OBJECT_RETRY_BUDGET_MS,
  }).catch((error: unknown) => {
    throw error instanceof WarmstandbyError && error.code === 'usage' ? error : asIoError(error);
  });
  try {
    return await restore(store, file, options, deps.cwd);
  } finally {
    close();
  }
}

const restore = async (store: ArchiveStore, file: WalFileName, options: RestoreWalOptions, cwd: string): Promise<RestoreWalResult> => {
  const target = resolve(cwd, options.target);
  const tmp = tempPathFor(target);
  const sync = syncsRestoredFile(target, options.sync);
  const { variant, systemIdentifier, bytes } = await fetchVerifiedTo(store, file, cwd, tmp, sync);
  try {
    await withFsError('rename file', `${tmp}" to "${target}`, () => rename(tmp, target));
  } catch (error) {
    await unlink(tmp).catch(() => undefined);
    throw asIoError(error);
  }
  await fsyncDirectory(dirname(target), { sync }).catch((error: unknown) => {
    throw asIoError(error);
  });
  return { file: file.name, restoredFrom: variant.name, compression: variant.compression, bytes, systemIdentifier };
};
