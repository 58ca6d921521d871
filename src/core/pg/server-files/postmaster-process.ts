import { readlink, realpath } from 'node:fs/promises';
import { errnoOf } from '../../fs/fs-error.js';
import { ServerFileError } from './server-file-error.js';

const strerror: Readonly<Record<string, string>> = {
  ESRCH: 'No such process',
  EPERM: 'Operation not permitted',
};

const signalError = (pid: number, error: unknown, path: string, hint?: string): ServerFileError => {
  const errno = errnoOf(error) ?? '';
  const reason = strerror[errno] ?? (error instanceof Error ? error.message : String(error));
  return new ServerFileError(
    errno === 'ESRCH' ? 'postmaster-gone' : 'signal-failed',
    `could not send promote signal (PID: ${pid}): ${reason}`,
    path,
    hint === undefined ? { cause: error } : { cause: error, hint },
  );
};

/** Whether a process with this PID exists (signal 0). EPERM means it exists but is not ours. */
export const processExists = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoOf(error) === 'EPERM';
  }
};

/**
 * Makes sure `pid` (from postmaster.pid) is a live postmaster of `dataDir` and that we may
 * signal it, before anything is written. A stale PID file can name a process that has been
 * reused by something else, and SIGUSR1's default action is to kill it: on Linux the
 * postmaster's working directory is its data directory, so a process whose cwd is elsewhere
 * is refused. When /proc does not let us look (another user's process), the kill(0) probe
 * decides on its own.
 */
export const verifyPostmaster = async (pid: number, dataDir: string, pidFilePath: string): Promise<void> => {
  try {
    process.kill(pid, 0);
  } catch (error) {
    const errno = errnoOf(error);
    throw signalError(
      pid,
      error,
      pidFilePath,
      errno === 'ESRCH'
        ? `The server is not running; "${pidFilePath}" is left over from a server that stopped without removing it.`
        : errno === 'EPERM'
          ? 'Run promote as the operating-system user that owns the server, or as root.'
          : undefined,
    );
  }
  let cwd: string;
  try {
    cwd = await readlink(`/proc/${pid}/cwd`);
  } catch {
    return;
  }
  const expected = await realpath(dataDir).catch(() => dataDir);
  if (cwd !== expected) {
    throw new ServerFileError(
      'postmaster-mismatch',
      `Cannot promote: PID ${pid} from "${pidFilePath}" is not the postmaster of "${expected}" (its directory is "${cwd}")`,
      pidFilePath,
      { hint: 'The PID file is stale and its PID now belongs to another process; check whether the server runs.' },
    );
  }
};

/** Sends SIGUSR1, the postmaster's cue to look for signal files such as `promote`. */
export const signalPostmaster = (pid: number, pidFilePath: string): void => {
  try {
    process.kill(pid, 'SIGUSR1');
  } catch (error) {
    throw signalError(pid, error, pidFilePath);
  }
};
