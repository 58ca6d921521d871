import { resolve } from 'node:path';
import type { JobDeps } from '../../core/cli/io.js';
import { classifyIncoming } from '../../core/archive/incoming-file.js';
import { openArchive } from '../../core/archive/open-archive.js';
import { type PublishOptions, type PublishResult, publishWalFile } from '../../core/archive/publish-wal-file.js';

export interface ArchiveWalOptions extends PublishOptions {
  /** `%p`: the file to archive, relative to `cwd` (the data directory under archive_command). */
  readonly source: string;
  /** An archive directory, or an s3:// URL. */
  readonly archive: string;
  /** --s3-config (else $WARMSTANDBY_S3_CONFIG): settings of an object archive. */
  readonly s3ConfigFile?: string | undefined;
  /** false: no fsync at all (tests; never for a real archive). */
  readonly sync: boolean;
}

export type ArchiveWalResult = PublishResult;

/** archive_command: check `%p` is a WAL file name, open the archive, publish (core/archive). */
export async function runArchiveWal(options: ArchiveWalOptions, deps: JobDeps): Promise<ArchiveWalResult> {
  const file = classifyIncoming(options.source);
  const { store, close } = await openArchive(options.archive, {
    cwd: deps.cwd,
    env: deps.env,
    sync: options.sync,
    s3ConfigFile: options.s3ConfigFile,
    signal: deps.signal,
  });
  try {
    return await publishWalFile(store, resolve(deps.cwd, options.source), file, options);
  } finally {
    close();
  }
}
