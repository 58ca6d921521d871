import { open, readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { ValidationError } from '../errors.js';
import { withFsError } from '../fs/fs-error.js';
import type { SegmentIdentity } from '../wal/page-header.js';
import type { ArchiveStore } from './archive-store.js';
import { MAX_HISTORY_BYTES, validateSegmentHeaderWithHistory } from '../wal/timeline-ancestry.js';
import { isBackupHistoryText, MAX_BACKUP_HISTORY_BYTES } from '../wal/backup-history.js';
import { parseTimelineHistory } from '../wal/timeline-history.js';
import { classifyWalFileName, type WalFileName } from '../wal/wal-file-kind.js';

/** A file the archiver handed over, read and checked: its bytes belong under its name. */
export interface IncomingFile {
  readonly file: WalFileName;
  readonly path: string;
  readonly size: number;
  /** Segments and partial segments: what their first page says. */
  readonly identity: SegmentIdentity | undefined;
  /** The whole content, read when needed (compression, comparison with an archived copy). */
  readonly content: () => Promise<Buffer>;
}

const refuse = (name: string, reason: string): ValidationError =>
  new ValidationError('refused-file', `Cannot archive "${name}": ${reason}`);

/**
 * The archiver passes `%p`, a path under pg_wal; only its last component names the file in
 * the archive, and it must be a WAL segment, partial segment, timeline history or backup
 * history file name exactly as the server writes them.
 */
export function classifyIncoming(sourcePath: string): WalFileName {
  const name = basename(sourcePath);
  if (sourcePath === '' || sourcePath.endsWith('/') || name === '' || name === '.' || name === '..') {
    throw refuse(sourcePath, 'not a file name');
  }
  const file = classifyWalFileName(name);
  if (file === undefined || file.compression !== 'none') {
    throw refuse(name, 'not the name of a WAL segment, .partial, .history or .backup file');
  }
  return file;
}

/**
 * Checks that the file fits its kind and name. A segment is judged by its first page and
 * its size, so a plain copy never pulls 16 MB through JavaScript; history and backup
 * history files are small and read whole. A segment whose first page carries an older
 * timeline (the first segment after a promotion) is checked against the history of its
 * name's timeline, from pg_wal beside it or else from the archive.
 */
export async function readIncoming(path: string, file: WalFileName, archive: ArchiveStore): Promise<IncomingFile> {
  const name = file.name;
  if (file.kind === 'segment' || file.kind === 'partial') {
    const { head, size } = await withFsError('read file', path, () => readHead(path));
    const fromArchive = async (history: string) => (await archive.read(history, MAX_HISTORY_BYTES))?.data;
    const identity = await validateSegmentHeaderWithHistory(head, { name }, [dirname(path), fromArchive]);
    const segmentSize = identity.header.segmentSize;
    if (file.kind === 'segment' && size !== segmentSize) {
      throw refuse(name, `it holds ${size} bytes, a segment holds ${segmentSize}`);
    }
    if (size > segmentSize) throw refuse(name, `it holds ${size} bytes, more than a segment`);
    return { file, path, size, identity, content: () => withFsError('read file', path, () => readFile(path)) };
  }
  const data = await withFsError('read file', path, () => readFile(path));
  const whole = { file, path, size: data.length, identity: undefined, content: () => Promise.resolve(data) };
  if (file.kind === 'history') {
    let entries;
    try {
      entries = parseTimelineHistory(data.toString('utf8'));
    } catch (error) {
      throw refuse(name, (error as Error).message);
    }
    const last = entries.at(-1);
    if (last !== undefined && last.timeline >= file.timeline) {
      throw refuse(name, `it lists timeline ${last.timeline}, not older than ${file.timeline}`);
    }
    return whole;
  }
  if (data.length > MAX_BACKUP_HISTORY_BYTES || !isBackupHistoryText(data.toString('latin1'), file.segmentName)) {
    throw refuse(name, 'not a backup history file (no START WAL LOCATION naming its segment)');
  }
  return whole;
}

const PAGE = 8192;

const readHead = async (path: string): Promise<{ head: Buffer; size: number }> => {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(Math.min(size, PAGE));
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return { head: head.subarray(0, bytesRead), size };
  } finally {
    await handle.close();
  }
};
