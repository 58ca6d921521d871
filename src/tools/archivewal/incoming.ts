import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { ValidationError } from '../../core/errors.js';
import { withFsError } from '../../core/fs/fs-error.js';
import { validateSegmentHeader, type SegmentIdentity } from '../../core/wal/page-header.js';
import { parseTimelineHistory } from '../../core/wal/timeline-history.js';
import { classifyWalFileName, type WalFileName } from '../../core/wal/wal-file-kind.js';

/** A file the archiver handed over, read and checked: its bytes belong under its name. */
export interface IncomingFile {
  readonly file: WalFileName;
  readonly path: string;
  readonly data: Buffer;
  /** Segments and partial segments: what their first page says. */
  readonly identity: SegmentIdentity | undefined;
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

/** Reads the file once and checks that its content fits its kind and name. */
export async function readIncoming(path: string, file: WalFileName): Promise<IncomingFile> {
  const data = await withFsError('read file', path, () => readFile(path));
  const name = file.name;
  if (file.kind === 'segment' || file.kind === 'partial') {
    const identity = validateSegmentHeader(data, { name });
    const segmentSize = identity.header.segmentSize;
    if (file.kind === 'segment' && data.length !== segmentSize) {
      throw refuse(name, `it holds ${data.length} bytes, a segment holds ${segmentSize}`);
    }
    if (data.length > segmentSize) throw refuse(name, `it holds ${data.length} bytes, more than a segment`);
    return { file, path, data, identity };
  }
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
    return { file, path, data, identity: undefined };
  }
  const text = data.toString('latin1');
  const start = /^START WAL LOCATION: .*\(file ([0-9A-F]{24})\)$/m.exec(text)?.[1];
  if (start !== file.segmentName) {
    throw refuse(name, 'not a backup history file (no START WAL LOCATION naming its segment)');
  }
  return { file, path, data, identity: undefined };
}
