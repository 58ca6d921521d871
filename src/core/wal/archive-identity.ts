import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { CompressionError } from '../compression/compression-error.js';
import { createStreamDecoder } from '../compression/stream-decoder.js';
import { ValidationError } from '../errors.js';
import { fileSystemError } from '../fs/fs-error.js';
import { LONG_PAGE_HEADER_SIZE, type WalLongPageHeader } from './page-header.js';
import { validateSegmentHeaderWithHistory } from './timeline-ancestry.js';
import type { ArchivedSegment } from './streaming-start.js';

/**
 * Which database system the WAL already in a receiver's directory belongs to, read from the
 * long page header at the start of its newest segment. A receiver compares it with the
 * server's IDENTIFY_SYSTEM before appending, so one directory never mixes two clusters.
 */
export interface ArchiveIdentity {
  readonly name: string;
  readonly header: WalLongPageHeader;
}

/**
 * Reads the identity from the best-ranked segments (newest first). A `.partial` whose first
 * page is still zeros (created, then a crash before any byte arrived) tells nothing and is
 * passed over; any other file whose first page is not a WAL page of its name is refused:
 * the start position would be derived from a file that is not WAL.
 */
export async function readArchiveIdentity(
  dir: string,
  segments: readonly ArchivedSegment[],
  segSize: number,
): Promise<ArchiveIdentity | undefined> {
  for (const segment of segments) {
    const page = await readFirstPage(join(dir, segment.name), segment);
    if (page === undefined || (segment.partial && page.every((byte) => byte === 0))) continue;
    try {
      const check = { name: segment.name.slice(0, 24), segmentSize: segSize };
      const { header } = await validateSegmentHeaderWithHistory(page, check, [dir]);
      return { name: segment.name, header };
    } catch (error) {
      throw new ValidationError('foreign-wal', `"${segment.name}" is not WAL of its name: ${(error as Error).message}`);
    }
  }
  return undefined;
}

/**
 * The first LONG_PAGE_HEADER_SIZE uncompressed bytes, or undefined if the file has fewer or
 * they cannot be decoded: read and decoded only as far as needed, so a compressed `.partial`
 * whose last frame a crash cut still tells its system, and a damaged one tells nothing (the
 * caller passes over it to an older segment).
 */
const readFirstPage = async (path: string, segment: ArchivedSegment): Promise<Buffer | undefined> => {
  const want = LONG_PAGE_HEADER_SIZE;
  if (segment.compression === 'none') return readPlainFirstPage(path, want);
  const decoder = createStreamDecoder(segment.compression, path);
  const chunks: Buffer[] = [];
  let total = 0;
  const take = (parts: readonly Buffer[]): boolean => {
    for (const part of parts) {
      chunks.push(part);
      total += part.length;
    }
    return total >= want;
  };
  try {
    const source = createReadStream(path, { highWaterMark: 64 * 1024 });
    try {
      for await (const chunk of source) if (take(await decoder.update(chunk as Buffer))) break;
    } finally {
      source.destroy();
    }
  } catch (error) {
    if (!(error instanceof CompressionError)) throw fileSystemError(error, 'read file', path);
  }
  return total < want ? undefined : Buffer.concat(chunks, total).subarray(0, want);
};

/**
 * A plain file's first bytes, read synchronously: a few microseconds, where a read stream
 * (loaded on first use) and its trips through the thread pool delayed START_REPLICATION. One
 * read, as the other head readers do (restored-copy.ts, control-system-id.ts): a regular file
 * returns fewer bytes than asked only at its end.
 */
const readPlainFirstPage = (path: string, want: number): Buffer | undefined => {
  const page = Buffer.alloc(want);
  let read: number;
  try {
    const fd = openSync(path, 'r');
    try {
      read = readSync(fd, page, 0, want, 0);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    throw fileSystemError(error, 'read file', path);
  }
  return read < want ? undefined : page;
};
