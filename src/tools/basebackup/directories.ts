import { chmod, mkdir, readdir, rm } from 'node:fs/promises';
import { errnoOf, fileSystemError } from '../../core/fs/fs-error.js';
import { UsageError } from '../../core/errors.js';

/** What verifyDirIsEmptyOrCreate found: we made it, it was there and empty. */
export type DirectoryState = 'created' | 'found-empty';

/**
 * pg_basebackup's verify_dir_is_empty_or_create: create the directory (with parents) when
 * missing, accept it when empty, refuse it when anything at all is in it.
 */
export const verifyDirIsEmptyOrCreate = async (path: string, mode: number): Promise<DirectoryState> => {
  let entries: string[];
  try {
    entries = await readdir(path);
  } catch (error) {
    if (errnoOf(error) !== 'ENOENT') {
      const reason = fileSystemError(error, 'access directory', path).message.replace(/^.*": /, '');
      throw new UsageError(`could not access directory "${path}": ${reason}`);
    }
    try {
      await mkdir(path, { recursive: true, mode });
      await chmod(path, mode);
    } catch (inner) {
      const reason = fileSystemError(inner, 'create directory', path).message.replace(/^.*": /, '');
      throw new UsageError(`could not create directory "${path}": ${reason}`);
    }
    return 'created';
  }
  if (entries.length > 0) throw new UsageError(`directory "${path}" exists but is not empty`);
  return 'found-empty';
};

/** Removes what a failed backup wrote: the directory itself if we made it, else its contents. */
export const removeOutput = async (path: string, state: DirectoryState): Promise<void> => {
  if (state === 'created') {
    await rm(path, { recursive: true, force: true });
    return;
  }
  const entries = await readdir(path).catch(() => [] as string[]);
  await Promise.all(entries.map((e) => rm(`${path}/${e}`, { recursive: true, force: true })));
};
