import { existsSync, linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { processIsAlive } from '../fs/process-alive.js';
import { tempPathFor } from '../fs/temp-name.js';

/**
 * The spools of archivewal --async and restorewal --prefetch: directories where a
 * long-lived worker and the quick hook PostgreSQL runs talk through files, and a lock file
 * names the one worker.
 *
 *   NAME.ok          (push) the archive holds NAME durably (written only after the publish returned)
 *   NAME.error       (push) the last push of NAME failed: one line, printed by the hook to the server log
 *   NAME             (prefetch) a fetched, verified, decompressed segment, served by rename
 *   NAME.fetching    (prefetch) NAME is being fetched: removed once NAME is in the spool or
 *                    the fetch failed, so a hook that finds it waits instead of fetching again
 *   wanted           (prefetch) the segment the server asked for last, and the segment size
 *   pusher.pid, prefetcher.pid   the running worker's pid (link(2)-created, so one start wins)
 *
 * Losing a spool loses nothing: the pusher pushes again (the archive answers "identical
 * content" for what it holds), the prefetcher fetches again.
 */
export const ackPath = (spool: string, name: string): string => join(spool, `${name}.ok`);
export const errorPath = (spool: string, name: string): string => join(spool, `${name}.error`);
export const fetchingPath = (spool: string, name: string): string => join(spool, `${name}.fetching`);
export type SpoolWorker = 'pusher' | 'prefetcher';

/** What both background workers (archivewal's pusher, restorewal's prefetcher) are given. */
export interface SpoolWorkerOptions {
  readonly spool: string;
  /** The archive: a directory or an s3:// URL. */
  readonly archive: string;
  readonly env: NodeJS.ProcessEnv;
  readonly s3ConfigFile?: string | undefined;
  /** Exit after this long with nothing to do. */
  readonly idleExitMs: number;
  readonly signal?: AbortSignal | undefined;
  /** One line per event, to the worker's log file. */
  readonly log: (message: string) => void;
}
export const lockPath = (spool: string, worker: SpoolWorker = 'pusher'): string => join(spool, `${worker}.pid`);

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
export const writeAtomically = (path: string, text: string): void => {
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

/** The pid the lock file names, running or not; undefined when there is no readable lock. */
const lockHolder = (spool: string, worker: SpoolWorker): number | undefined => {
  try {
    const pid = Number(readFileSync(lockPath(spool, worker), 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
};

/** The pid in the lock file, if it names a running process. */
export const runningWorker = (spool: string, worker: SpoolWorker = 'pusher'): number | undefined => {
  const pid = lockHolder(spool, worker);
  return pid !== undefined && processIsAlive(pid) ? pid : undefined;
};

/**
 * Takes the lock for this process: link(2) of a file holding our pid, which fails when a
 * lock exists. A lock whose process is gone (kill -9) is removed and taken over. Two
 * starters racing over a stale lock may both win for a moment; each pusher re-reads the lock
 * on every pass and the one not named there stops (holdsLock).
 */
export const takeLock = (spool: string, worker: SpoolWorker = 'pusher'): boolean => {
  const path = lockPath(spool, worker);
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
    if (runningWorker(spool, worker) !== undefined) return false;
    removeQuietly(path);
  }
  return false;
};

export const holdsLock = (spool: string, worker: SpoolWorker = 'pusher'): boolean => lockHolder(spool, worker) === process.pid;

export const releaseLock = (spool: string, worker: SpoolWorker = 'pusher'): void => {
  if (holdsLock(spool, worker)) removeQuietly(lockPath(spool, worker));
};
