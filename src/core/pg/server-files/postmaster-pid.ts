import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoOf, fileSystemError } from '../../fs/fs-error.js';
import { ServerFileError } from './server-file-error.js';

/**
 * The data directory lock file. Lines (PostgreSQL 10+): 1 PID (negative for a single-user
 * backend), 2 data directory, 3 start time (Unix seconds), 4 port, 5 first socket directory,
 * 6 first listen address, 7 shared memory key, 8 status. Lines 4 and up are filled in as the
 * server starts, in no fixed order, so any of them may still be missing.
 */
export const PostmasterStatus = {
  starting: 'starting',
  stopping: 'stopping',
  ready: 'ready',
  standby: 'standby',
} as const;

export interface PostmasterPidFile {
  /** Positive; see `singleUser`. */
  readonly pid: number;
  /** The lock belongs to a standalone backend (`postgres --single`), not a postmaster. */
  readonly singleUser: boolean;
  readonly dataDirectory?: string;
  readonly startTime?: number;
  readonly port?: number;
  readonly socketDirectory?: string;
  readonly listenAddress?: string;
  readonly shmemKey?: string;
  /** `starting`, `stopping`, `ready`, `standby` (trailing padding removed), when written. */
  readonly status?: string;
}

export const POSTMASTER_PID_FILE = 'postmaster.pid';

/**
 * Parses the file's text. The PID is read as pg_ctl reads it (leading white space, then an
 * optionally signed decimal; anything after it on the line is ignored).
 */
export const parsePostmasterPid = (text: string, path = POSTMASTER_PID_FILE): PostmasterPidFile => {
  if (text.length === 0) {
    throw new ServerFileError('pid-file-empty', `the PID file "${path}" is empty`, path);
  }
  const lines = text.split('\n');
  const match = /^\s*([+-]?\d+)/.exec(text);
  const signed = match?.[1] === undefined ? Number.NaN : Number(match[1]);
  if (!Number.isSafeInteger(signed) || signed === 0) {
    throw new ServerFileError('pid-file-invalid', `invalid data in PID file "${path}"`, path);
  }
  const line = (n: number): string | undefined => {
    const value = lines[n - 1]?.replace(/\r$/, '');
    return value === undefined || value.trim() === '' ? undefined : value;
  };
  const integer = (n: number): number | undefined => {
    const value = line(n)?.trim();
    return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
  };
  const result: { -readonly [K in keyof PostmasterPidFile]: PostmasterPidFile[K] } = {
    pid: Math.abs(signed),
    singleUser: signed < 0,
  };
  const dataDirectory = line(2);
  const startTime = integer(3);
  const port = integer(4);
  const socketDirectory = line(5);
  const listenAddress = line(6)?.trim();
  const shmemKey = line(7)?.trim();
  const status = line(8)?.trim();
  if (dataDirectory !== undefined) result.dataDirectory = dataDirectory;
  if (startTime !== undefined) result.startTime = startTime;
  if (port !== undefined) result.port = port;
  if (socketDirectory !== undefined) result.socketDirectory = socketDirectory;
  if (listenAddress !== undefined && listenAddress !== '') result.listenAddress = listenAddress;
  if (shmemKey !== undefined && shmemKey !== '') result.shmemKey = shmemKey;
  if (status !== undefined && status !== '') result.status = status;
  return result;
};

/** Reads `<dataDir>/postmaster.pid`; undefined when it does not exist (no server running). */
export const readPostmasterPid = async (dataDir: string): Promise<PostmasterPidFile | undefined> => {
  const path = join(dataDir, POSTMASTER_PID_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return undefined;
    throw fileSystemError(error, 'open PID file', path);
  }
  return parsePostmasterPid(text, path);
};
