import { open } from 'node:fs/promises';
import { promisify } from 'node:util';
import { createGunzip, createGzip, gunzip, gzip, type Gunzip, type Gzip, type ZlibOptions } from 'node:zlib';
import { withFsError } from '../fs/fs-error.js';
import { messageOf } from '../errors.js';
import { CompressionError, corruptInput, outputTooLarge } from './compression-error.js';

// Promisified at the call: at import, reading zlib's members would load zlib in every tool.
const gzipAsync = (data: Uint8Array, options: ZlibOptions): Promise<Buffer> => promisify(gzip)(data, options);
const gunzipAsync = (data: Uint8Array, options: ZlibOptions): Promise<Buffer> => promisify(gunzip)(data, options);

/**
 * zlib's "default" level (Z_DEFAULT_COMPRESSION, -1: level 6), what PostgreSQL passes for gzip
 * without a level. A literal: reading zlib's constants here would load zlib (a few ms) in
 * every tool that imports this module, compressing or not.
 */
export const GZIP_DEFAULT_LEVEL = -1;

export const gzipCompress = async (data: Uint8Array, level = GZIP_DEFAULT_LEVEL): Promise<Buffer> =>
  gzipAsync(data, { level });

/**
 * Decompresses every gzip member of `data` (gzip(1) concatenates them too), refusing output
 * past `maxOutput`: zlib stops there instead of growing a buffer, so a small file of zeros
 * cannot cost gigabytes (lz4 and zstd are capped the same way).
 */
export const gzipDecompress = async (
  data: Uint8Array,
  name = 'gzip data',
  maxOutput = 1024 * 1024 * 1024,
): Promise<Buffer> => {
  try {
    return await gunzipAsync(data, { maxOutputLength: maxOutput, chunkSize: outputChunkSize(data, maxOutput) });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw outputTooLarge(name, maxOutput, error);
    }
    throw corruptInput(name, messageOf(error), error);
  }
};

/** zlib's smallest output chunk (zlib.constants.Z_MIN_CHUNK, not read: that would load zlib). */
const MIN_CHUNK = 64;
/** Larger outputs (1 GB segments) come in pieces of this size: no gigabyte reserved on a trailer's word. */
const MAX_CHUNK = 64 * 1024 * 1024;

/**
 * zlib's output chunk for `data`: one byte more than the size its trailer records (ISIZE, the
 * last member's size modulo 2^32), so a one-member file decompresses into one buffer that is
 * returned as it is. With zlib's default 16 kB chunks a 16 MB segment came back in 1,024
 * pieces joined by a copy into fresh memory (~70 ms here). A trailer that lies only costs an
 * unused reservation (never touched, at most MAX_CHUNK) or the pieces as before.
 */
const outputChunkSize = (data: Uint8Array, maxOutput: number): number => {
  const at = data.byteLength - 4;
  const recorded = at >= 0 ? Buffer.from(data.buffer, data.byteOffset + at, 4).readUInt32LE(0) : 0;
  return Math.max(MIN_CHUNK, Math.min(recorded, maxOutput, MAX_CHUNK - 1) + 1);
};

export const createGzipStream = (level = GZIP_DEFAULT_LEVEL): Gzip => createGzip({ level });
export const createGunzipStream = (): Gunzip => createGunzip();

/**
 * The uncompressed size recorded in a gzip file's ISIZE trailer (its last 4 bytes, the size
 * modulo 2^32 of the last member), which is what pg_receivewal reads to tell a complete
 * compressed segment from a short one without decompressing it.
 */
export async function gzipDecompressedSize(path: string): Promise<number> {
  return withFsError('read compressed file', path, async () => {
    const handle = await open(path, 'r');
    try {
      const { size } = await handle.stat();
      // 10-byte header + at least an empty deflate block + 8-byte trailer.
      if (size < 20) throw new CompressionError('corrupt-compressed-data', `Cannot read "${path}": too short for gzip`);
      const trailer = Buffer.alloc(4);
      await handle.read(trailer, 0, 4, size - 4);
      return trailer.readUInt32LE(0);
    } finally {
      await handle.close();
    }
  });
}
