import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { decompressBuffer } from '../compression/codec.js';
import { ValidationError } from '../errors.js';
import { withFsError } from '../fs/fs-error.js';
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

/** The first LONG_PAGE_HEADER_SIZE uncompressed bytes, or undefined if the file has fewer. */
const readFirstPage = async (path: string, segment: ArchivedSegment): Promise<Buffer | undefined> => {
  const want = LONG_PAGE_HEADER_SIZE;
  switch (segment.compression) {
    case 'none': {
      const bytes = await withFsError('read file', path, () => readHead(path, want));
      return bytes.length < want ? undefined : bytes;
    }
    case 'gzip': {
      const bytes = await gunzipHead(path, want).catch(() => Buffer.alloc(0));
      return bytes.length < want ? undefined : bytes.subarray(0, want);
    }
    case 'lz4':
    case 'zstd': {
      const data = await withFsError('read file', path, () => readFile(path));
      const bytes = await firstFrameContent(data, segment.compression).catch(() => Buffer.alloc(0));
      return bytes.length < want ? undefined : bytes.subarray(0, want);
    }
  }
};

const readHead = async (path: string, bytes: number): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of createReadStream(path, { start: 0, end: bytes - 1 })) {
    chunks.push(chunk as Buffer);
    total += (chunk as Buffer).length;
  }
  return Buffer.concat(chunks, total);
};

const gunzipHead = (path: string, bytes: number): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const source = createReadStream(path);
    const gunzip = createGunzip();
    const stop = (): void => {
      source.destroy();
      gunzip.destroy();
      resolve(Buffer.concat(chunks, total));
    };
    gunzip.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      total += chunk.length;
      if (total >= bytes) stop();
    });
    gunzip.on('end', stop);
    gunzip.on('error', (error) => (total >= bytes ? stop() : reject(error)));
    source.on('error', reject);
    source.pipe(gunzip);
  });

/**
 * The whole file decoded (one segment at most). A partial file whose last frame a crash cut
 * fails here and tells nothing: the caller passes over it to an older segment.
 */
const firstFrameContent = (data: Buffer, method: 'lz4' | 'zstd'): Promise<Buffer> => decompressBuffer(data, method);
