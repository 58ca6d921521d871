import { closeSync, fchmodSync, fstatSync, fsyncSync, openSync, readSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { WalFileName } from '../../core/wal/wal-file-kind.js';

/**
 * The names PostgreSQL gives restore_command's %p: pg_wal/RECOVERYXLOG for a segment,
 * pg_wal/RECOVERYHISTORY for a history file. The server never uses such a file where it
 * lies: it reads and deletes it, or first moves it to its own name with durable_rename,
 * which fsyncs the file, renames it and fsyncs pg_wal (xlogarchive.c,
 * KeepFileRestoredFromArchive), before it replays a byte of it.
 */
const SERVER_SCRATCH_NAMES: ReadonlySet<string> = new Set(['RECOVERYXLOG', 'RECOVERYHISTORY']);

/**
 * Whether a restore to `target` fsyncs the file and its directory. Not for the server's
 * scratch names: the server's own fsync follows at once, and a crash before it makes the
 * server run restore_command again, so ours would only double the disk's work (a 16 MB
 * segment's write-back, 15-20 ms) inside the hook. Anywhere else (a restore by hand, pg_rewind's
 * -c, which restores under the segment's own name) the file is durable when the tool returns.
 */
export const syncsRestoredFile = (target: string, sync: boolean): boolean =>
  sync && !(SERVER_SCRATCH_NAMES.has(basename(target)) && basename(dirname(target)) === 'pg_wal');

/** A segment's checks need its first page only (the long header), and its size. */
export const HEAD_BYTES = 8192;

export interface CopiedHead {
  readonly head: Buffer;
  readonly size: number;
}

/**
 * The first page and size of the copy at `path`, which is made mode 0600 (a caller's umask
 * may have left it readable) and, when `sync`, fsynced. Reading the copy, not the archived
 * file, means what is checked is what the server gets. Throws the plain Node error.
 */
export const headOfCopy = (path: string, sync: boolean): CopiedHead => {
  const fd = openSync(path, 'r+');
  try {
    fchmodSync(fd, 0o600);
    const { size } = fstatSync(fd);
    const head = Buffer.alloc(Math.min(HEAD_BYTES, size));
    const read = readSync(fd, head, 0, head.length, 0);
    if (sync) fsyncSync(fd);
    return { head: head.subarray(0, read), size };
  } finally {
    closeSync(fd);
  }
};

/** A whole segment has exactly a segment's size; a partial one at most that. */
export const lengthFitsSegment = (file: WalFileName, length: number, segmentSize: number): boolean =>
  file.kind === 'segment' ? length === segmentSize : length <= segmentSize;
