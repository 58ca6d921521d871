import { constants, readdirSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { FileSystemError } from '../errors.js';
import { copyToTempFile, publishNoReplace, writeTempFile } from '../fs/durable.js';
import { fileSystemError, fsCodeOf, reasonOf } from '../fs/fs-error.js';
import { removeStaleTempFiles } from '../fs/stale-temp-files.js';
import type { SyncOptions } from '../fs/sync.js';
import { tempPathFor } from '../fs/temp-name.js';
import { unlinkMany } from '../fs/unlink-many.js';
import { findArchivedVariants } from '../wal/archive-variants.js';
import type { WalFileName } from '../wal/wal-file-kind.js';
import type { ArchiveStore, FetchedObject, Listing, PublishRequest, StoredVariant } from './archive-store.js';

/**
 * An archive directory: files are written under a temporary name, fsynced, and linked into
 * place (link(2) never replaces), then the directory is fsynced. Lookups are lstat(2) calls;
 * links are never archived files.
 */
export class DirectoryArchive implements ArchiveStore {
  readonly kind = 'directory';

  constructor(
    readonly location: string,
    private readonly sync: SyncOptions = {},
  ) {}

  async unusableReason(): Promise<string | undefined> {
    const info = statSync(this.location, { throwIfNoEntry: false });
    // strerror's words, as every other file-system message of ours.
    if (info === undefined) return 'No such file or directory';
    return info.isDirectory() ? undefined : 'Not a directory';
  }

  async variants(file: WalFileName): Promise<StoredVariant[]> {
    try {
      return findArchivedVariants(this.location, file);
    } catch (error) {
      throw fileSystemError(error, 'read archive', this.location);
    }
  }

  async read(name: string, maxBytes: number): Promise<FetchedObject | undefined> {
    const path = join(this.location, name);
    try {
      return { data: await readRegularFile(path, maxBytes), recordedSha256: undefined };
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ENOENT') return undefined;
      throw fileSystemError(error, 'read archived file', path);
    }
  }

  async createIfAbsent(request: PublishRequest): Promise<'created' | 'exists'> {
    const finalPath = join(this.location, request.name);
    const tmp = tempPathFor(finalPath);
    try {
      if (request.body.kind === 'file') await copyToTempFile(request.body.path, tmp, this.sync);
      else await writeTempFile(tmp, request.body.data, { ...this.sync, mode: request.mode ?? 0o600 });
    } catch (error) {
      // Out of space: what killed pushers on this host left behind may be the reason. Their
      // files go (the archiver retries this push); a scan costs too much to do on every push.
      if (error instanceof FileSystemError && error.code === 'disk-full') removeStaleTempFiles(this.location);
      throw error;
    }
    return (await publishNoReplace(tmp, finalPath, this.sync)) === 'published' ? 'created' : 'exists';
  }

  async recordedContentSha256(): Promise<string | undefined> {
    return undefined;
  }

  localPath(name: string): string {
    return join(this.location, name);
  }

  async list(): Promise<Listing> {
    try {
      return { names: readdirSync(this.location), sizes: undefined };
    } catch (error) {
      // pg_archivecleanup's wording: scripts match on it.
      throw new FileSystemError(fsCodeOf(error), `could not open archive location "${this.location}": ${reasonOf(error)}`, this.location, { cause: error });
    }
  }

  async remove(names: readonly string[], onRemoved?: (name: string) => void): Promise<void> {
    const failure = await unlinkMany(this.location, names, onRemoved);
    if (failure !== undefined) {
      const { path, error } = failure;
      throw new FileSystemError(fsCodeOf(error), `could not remove file "${path}": ${reasonOf(error)}`, path, { cause: error });
    }
  }

  async removeLeftovers(knownNames?: readonly string[]): Promise<string[]> {
    try {
      return removeStaleTempFiles(this.location, knownNames === undefined ? {} : { names: knownNames });
    } catch (error) {
      throw new FileSystemError(fsCodeOf(error), `could not remove stale temporary files in "${this.location}": ${reasonOf(error)}`, this.location, { cause: error });
    }
  }
}

/** Reads a file without following a link (one swapped in after the lookup), bounded. */
const readRegularFile = async (path: string, maxBytes: number): Promise<Buffer> => {
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'EINVAL' });
    if (info.size > maxBytes) throw Object.assign(new Error(`${info.size} bytes, more than any WAL file`), { code: 'EFBIG' });
    // One read for the whole file where the kernel allows: readFile() reads 512 kB per trip
    // to the thread pool, 32 trips for a segment, which cost a restore more than the copy.
    const data = Buffer.allocUnsafe(info.size);
    let filled = 0;
    while (filled < data.length) {
      const { bytesRead } = await handle.read(data, filled, data.length - filled, filled);
      if (bytesRead === 0) break; // shortened since the stat: what is there
      filled += bytesRead;
    }
    return filled === data.length ? data : data.subarray(0, filled);
  } finally {
    await handle.close();
  }
};
