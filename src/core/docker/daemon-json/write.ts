import { chmod, chown, mkdir, readFile, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { errnoOf } from '../../fs/fs-error.js';
import { publishNoReplace, renameDurable, writeTempFile } from '../../fs/durable.js';
import { fsyncDirectory } from '../../fs/sync.js';
import { tempPathFor } from '../../fs/temp-name.js';
import { RefusedError } from '../errors.js';
import { accessError, type DaemonConfigFile } from './daemon-config.js';

/** Mode of a daemon.json we create: what the Docker packages and docs use. */
const NEW_FILE_MODE = 0o644;

/**
 * Replaces daemon.json with `content` atomically (temp file in the same directory, fsync,
 * rename, directory fsync) keeping the old file's mode and owner. `before` is the file as
 * it was read: if someone changed it since, nothing is written. A file that did not exist is
 * published without ever replacing one that appeared meanwhile.
 */
export async function writeDaemonConfigFile(before: DaemonConfigFile, content: string | Buffer): Promise<void> {
  const target = before.realPath;
  if (!before.exists) {
    await mkdir(dirname(target), { recursive: true, mode: 0o755 }).catch((error: unknown) => {
      throw accessError(error, 'create directory', dirname(target));
    });
  }
  const tmp = tempPathFor(target);
  const mode = before.mode ?? NEW_FILE_MODE;
  try {
    await writeTempFile(tmp, content, { mode });
    // open(2) applied the umask: set the exact mode, then the owner the file had.
    await chmod(tmp, mode);
    if (before.uid !== undefined && before.gid !== undefined) await keepOwner(tmp, before.uid, before.gid, target);
    if (!before.exists) {
      if ((await publishNoReplace(tmp, target)) === 'exists') throw changedMeanwhile(target);
      return;
    }
    await requireUnchanged(before);
    await renameDurable(tmp, target);
  } catch (error) {
    await unlink(tmp).catch(() => undefined);
    if (error instanceof RefusedError) throw error;
    throw accessError(error, 'write file', target);
  }
}

const keepOwner = async (tmp: string, uid: number, gid: number, target: string): Promise<void> => {
  const me = process.getuid?.();
  const myGid = process.getgid?.();
  if (uid === me && gid === myGid) return;
  try {
    await chown(tmp, uid, gid);
  } catch (error) {
    if (errnoOf(error) !== 'EPERM') throw error;
    throw new RefusedError(
      'owner-not-kept',
      `Cannot write "${target}": the file belongs to uid ${uid} gid ${gid} and this user cannot give the new file that owner`,
      { hint: 'Run as root.' },
    );
  }
};

const requireUnchanged = async (before: DaemonConfigFile): Promise<void> => {
  let now: Buffer;
  try {
    now = await readFile(before.realPath);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') throw changedMeanwhile(before.realPath);
    throw error;
  }
  if (!now.equals(before.bytes)) throw changedMeanwhile(before.realPath);
};

const changedMeanwhile = (path: string): RefusedError =>
  new RefusedError('file-changed', `Cannot write "${path}": it changed while it was being edited`, {
    hint: 'Run the command again to edit the new content.',
  });

/**
 * Puts daemon.json back as `original` was, after `written` replaced it: the old bytes with
 * the old mode and owner, or no file when there was none. Nothing happens if the file no
 * longer holds `written` (someone else changed it since).
 */
export async function restoreDaemonConfigFile(original: DaemonConfigFile, written: Buffer): Promise<void> {
  if (original.exists) {
    await writeDaemonConfigFile({ ...original, bytes: written }, original.bytes);
    return;
  }
  await requireUnchanged({ ...original, exists: true, bytes: written });
  try {
    await unlink(original.realPath);
    await fsyncDirectory(dirname(original.realPath));
  } catch (error) {
    throw accessError(error, 'remove file', original.realPath);
  }
}
