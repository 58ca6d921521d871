import type { Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoOf, fileSystemError } from '../../fs/fs-error.js';
import { ServerFileError } from './server-file-error.js';

export interface DataDirectory {
  readonly path: string;
  /** Owner and mode of the directory: files written into it must match them. */
  readonly uid: number;
  readonly gid: number;
  readonly mode: number;
}

/**
 * Confirms `path` is a database cluster directory the way pg_ctl does: it must exist and
 * hold PG_VERSION. Messages are pg_ctl's.
 */
export const inspectDataDirectory = async (path: string): Promise<DataDirectory> => {
  let info: Stats;
  try {
    info = await stat(path);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') {
      throw new ServerFileError('data-directory-missing', `directory "${path}" does not exist`, path);
    }
    const reason = fileSystemError(error, 'access directory', path).message.replace(/^.*": /, '');
    throw new ServerFileError('data-directory-inaccessible', `could not access directory "${path}": ${reason}`, path, {
      cause: error,
    });
  }
  try {
    await stat(join(path, 'PG_VERSION'));
  } catch (error) {
    const errno = errnoOf(error);
    if (errno === 'ENOENT' || errno === 'ENOTDIR') {
      throw new ServerFileError(
        'not-a-cluster-directory',
        `directory "${path}" is not a database cluster directory`,
        path,
      );
    }
    // pg_ctl only rejects a missing PG_VERSION; an unreadable one is left to later steps.
  }
  return { path, uid: info.uid, gid: info.gid, mode: info.mode & 0o7777 };
};

/**
 * The mode the server gives its own files in this directory: 0640 when the directory allows
 * group access (initdb -g, mode 0750), else 0600.
 */
export const fileModeFor = (directory: Pick<DataDirectory, 'mode'>): number =>
  (directory.mode & 0o050) === 0o050 ? 0o640 : 0o600;
