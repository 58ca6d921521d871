import { constants } from 'node:fs';
import { copyFile, type FileHandle, link, open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { errnoOf, fileSystemError, noProgressError, withFsError } from './fs-error.js';
import { fsyncDirectory, shouldSync, type SyncOptions } from './sync.js';
import { tempPathFor } from './temp-name.js';

export interface WriteDurableOptions extends SyncOptions {
  /** File mode of the new file (default 0o600 & ~umask as open(2) applies it). */
  readonly mode?: number;
}

/**
 * Writes `data` so that `path` holds either its old content or all of `data` after a crash:
 * temp file in the same directory, fsync, rename over `path`, fsync the directory.
 */
export async function writeFileDurable(
  path: string,
  data: Buffer | Uint8Array | string,
  options: WriteDurableOptions = {},
): Promise<void> {
  const tmp = tempPathFor(path);
  try {
    await writeTempFile(tmp, data, options);
    await withFsError('rename file', tmp, () => rename(tmp, path));
  } catch (error) {
    await unlink(tmp).catch(() => undefined);
    throw error;
  }
  await fsyncDirectory(dirname(path), options);
}

/**
 * Creates `tmp` exclusively, writes `data` and fsyncs it. On failure (a full disk, say) the
 * file it created is removed: a retried push must not leave one more each time.
 */
export async function writeTempFile(
  tmp: string,
  data: Buffer | Uint8Array | string,
  options: WriteDurableOptions = {},
): Promise<void> {
  let created = false;
  try {
    await withFsError('write file', tmp, async () => {
      const handle = await open(tmp, 'wx', options.mode ?? 0o600);
      created = true;
      try {
        await writeAll(handle, typeof data === 'string' ? Buffer.from(data) : data);
        if (shouldSync(options)) await handle.sync();
      } finally {
        await handle.close();
      }
    });
  } catch (error) {
    if (created) await unlink(tmp).catch(() => undefined);
    throw error;
  }
}

/**
 * As few write(2) calls as the kernel allows: writeFile() writes 512 kB per trip to the
 * thread pool, 32 trips for a segment.
 */
const writeAll = async (handle: FileHandle, data: Uint8Array): Promise<void> => {
  let written = 0;
  while (written < data.length) {
    const { bytesWritten } = await handle.write(data, written, data.length - written, written);
    if (bytesWritten === 0) throw noProgressError();
    written += bytesWritten;
  }
};

/**
 * Copies `source` to a new file `tmp` (copy_file_range in the kernel where possible, like
 * cp) and fsyncs it. `tmp` must not exist; on failure it is removed.
 */
export async function copyToTempFile(source: string, tmp: string, options: SyncOptions = {}): Promise<void> {
  try {
    await withFsError('copy file', `${source}" to "${tmp}`, () => copyFile(source, tmp, constants.COPYFILE_EXCL));
    if (shouldSync(options)) {
      await withFsError('fsync file', tmp, async () => {
        const handle = await open(tmp, 'r+');
        try {
          await handle.sync();
        } finally {
          await handle.close();
        }
      });
    }
  } catch (error) {
    await unlink(tmp).catch(() => undefined);
    throw error;
  }
}

/**
 * rename(2) followed by an fsync of the file first and the directory after, so the new
 * name is durable (pg_receivewal's durable_rename). Replaces `to` if it exists.
 */
export async function renameDurable(from: string, to: string, options: SyncOptions = {}): Promise<void> {
  if (shouldSync(options)) {
    await withFsError('fsync file', from, async () => {
      const handle = await open(from, 'r+');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    });
  }
  await withFsError('rename file', `${from}" to "${to}`, () => rename(from, to));
  await fsyncDirectory(dirname(to), options);
  if (dirname(from) !== dirname(to)) await fsyncDirectory(dirname(from), options);
}

/**
 * Makes an already written and fsynced temp file visible as `finalPath` without ever
 * replacing an existing file: link(2) fails with EEXIST instead of overwriting, so two
 * concurrent publishers of one name cannot clobber each other. The temp name is removed
 * either way. Returns 'exists' when `finalPath` was already there (the caller decides
 * whether its content is the same).
 */
export async function publishNoReplace(
  tmpPath: string,
  finalPath: string,
  options: SyncOptions = {},
): Promise<'published' | 'exists'> {
  let outcome: 'published' | 'exists';
  try {
    await link(tmpPath, finalPath);
    outcome = 'published';
  } catch (error) {
    if (errnoOf(error) !== 'EEXIST') {
      await unlink(tmpPath).catch(() => undefined);
      const noLinks = ['EPERM', 'ENOTSUP', 'EOPNOTSUPP'].includes(errnoOf(error) ?? '');
      throw fileSystemError(error, 'publish file', finalPath, noLinks ? linkHint : undefined);
    }
    outcome = 'exists';
  }
  await withFsError('remove file', tmpPath, () => unlink(tmpPath));
  if (outcome === 'published') await fsyncDirectory(dirname(finalPath), options);
  return outcome;
}

const linkHint = 'The file system must support hard links: they make publishing safe from overwrites.';
