import { existsSync, linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { processIsAlive } from '../fs/process-alive.js';
import { tempPathFor } from '../fs/temp-name.js';

/**
 * The spool of archivewal --async: a directory where the long-lived pusher tells the quick
 * hook what became of each WAL file, and a lock file names the one pusher.
 *
 *   NAME.ok        the archive holds NAME durably (written only after the publish returned)
 *   NAME.error     the last push of NAME failed: one line, printed by the hook to the server log
 *   pusher.pid     the running pusher's pid (link(2)-created, so only one start wins)
 *
 * Losing the spool loses nothing: the pusher pushes again, and the archive answers
 * "identical content" for what it already holds.
 */
export const ackPath = (spool: string, name: string): string => join(spool, `${name}.ok`);
export const errorPath = (spool: string, name: string): string => join(spool, `${name}.error`);
export const lockPath = (spool: string): string => join(spool, 'pusher.pid');

/** Whether the pusher acknowledged `name`. One stat: the hook's most frequent answer. */
export const isAcknowledged = (spool: string, name: string): boolean => existsSync(ackPath(spool, name));

/** The recorded failure of `name`, if any. */
export const readError = (spool: string, name: string): string | undefined => {
  try {
    return readFileSync(errorPath(spool, name), 'utf8').trim();
  } catch {
    return undefined;
  }
};

/** Replaces a small spool file atomically (temp + rename): a reader sees old or new, whole. */
const writeAtomically = (path: string, text: string): void => {
  const tmp = tempPathFor(path);
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, path);
};

/** After the archive confirmed `name`: the acknowledgement, and any old failure forgotten. */
export const acknowledge = (spool: string, name: string): void => {
  writeAtomically(ackPath(spool, name), '');
  removeQuietly(errorPath(spool, name));
};

export const recordError = (spool: string, name: string, message: string): void => {
  writeAtomically(errorPath(spool, name), `${message.replace(/\s*\n\s*/g, ' ')}\n`);
};

export const removeQuietly = (path: string): void => {
  try {
    unlinkSync(path);
  } catch {
    // Already gone: the goal.
  }
};

/** The pid in the lock file, if it names a running process. */
export const runningPusher = (spool: string): number | undefined => {
  let pid: number;
  try {
    pid = Number(readFileSync(lockPath(spool), 'utf8').trim());
  } catch {
    return undefined;
  }
  return Number.isSafeInteger(pid) && pid > 0 && processIsAlive(pid) ? pid : undefined;
};

/**
 * Takes the lock for this process: link(2) of a file holding our pid, which fails when a
 * lock exists. A lock whose process is gone (kill -9) is removed and taken over. Two
 * starters racing over a stale lock may both win for a moment; each pusher re-reads the lock
 * on every pass and the one not named there stops (holdsLock).
 */
export const takeLock = (spool: string): boolean => {
  const path = lockPath(spool);
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const tmp = tempPathFor(path);
    writeFileSync(tmp, `${process.pid}\n`, { mode: 0o600 });
    try {
      linkSync(tmp, path);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      removeQuietly(tmp);
    }
    if (runningPusher(spool) !== undefined) return false;
    removeQuietly(path);
  }
  return false;
};

export const holdsLock = (spool: string): boolean => {
  try {
    return Number(readFileSync(lockPath(spool), 'utf8').trim()) === process.pid;
  } catch {
    return false;
  }
};

export const releaseLock = (spool: string): void => {
  if (holdsLock(spool)) removeQuietly(lockPath(spool));
};
