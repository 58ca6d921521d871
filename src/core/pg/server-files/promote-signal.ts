import { constants } from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoOf, fileSystemError } from '../../fs/fs-error.js';
import { fileModeFor, type DataDirectory } from './data-directory.js';
import { ServerFileError } from './server-file-error.js';

export const PROMOTE_SIGNAL_FILE = 'promote';

const reasonOf = (error: unknown, path: string): string =>
  errnoOf(error) === 'ELOOP'
    ? 'it is a symbolic link'
    : fileSystemError(error, 'x', path).message.replace(/^Cannot x ".*": /, '');

/**
 * Creates the empty `<dataDir>/promote` file the startup process looks for after SIGUSR1,
 * and which it deletes once it has acted on it.
 *
 * The server runs as its own user, and this tool may run as root: the file is opened
 * without following a symbolic link and truncated only once it is known to be a regular
 * file with a single link (a link planted there must not make root empty some other file),
 * and it is handed to the data directory's
 * owner with the mode the server uses for its own files, so no root-owned file is left in
 * the cluster for the server, pg_basebackup or pg_rewind to trip over. It is empty and
 * short-lived, and a lost one only means the promotion did not happen, so it is not fsynced.
 */
export const writePromoteSignal = async (directory: DataDirectory): Promise<string> => {
  const path = join(directory.path, PROMOTE_SIGNAL_FILE);
  const mode = fileModeFor(directory);
  let handle;
  try {
    handle = await open(
      path,
      constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK,
      mode,
    );
    const info = await handle.stat();
    if (!info.isFile() || info.nlink !== 1) {
      throw new ServerFileError(
        'promote-file-not-regular',
        `could not create promote signal file "${path}": it exists and is not a plain file`,
        path,
      );
    }
    if (info.size > 0) await handle.truncate(0);
    if (process.getuid?.() === 0 && (info.uid !== directory.uid || info.gid !== directory.gid)) {
      await handle.chown(directory.uid, directory.gid);
    }
    await handle.chmod(mode);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    if (error instanceof ServerFileError) throw error;
    throw new ServerFileError('promote-file-create', `could not create promote signal file "${path}": ${reasonOf(error, path)}`, path, {
      cause: error,
    });
  }
  try {
    await handle.close();
  } catch (error) {
    throw new ServerFileError('promote-file-write', `could not write promote signal file "${path}": ${reasonOf(error, path)}`, path, {
      cause: error,
    });
  }
  return path;
};

/** Removes the signal file after a failed signal; a file already gone is fine. */
export const removePromoteSignal = async (dataDir: string): Promise<void> => {
  const path = join(dataDir, PROMOTE_SIGNAL_FILE);
  try {
    await unlink(path);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return;
    throw new ServerFileError('promote-file-remove', `could not remove promote signal file "${path}": ${reasonOf(error, path)}`, path, {
      cause: error,
    });
  }
};
