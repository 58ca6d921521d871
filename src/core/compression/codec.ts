import { open, stat } from 'node:fs/promises';
import { withFsError } from '../fs/fs-error.js';
import type { CompressionMethod } from './compression-method.js';
import type { CompressionSpec } from './compression-spec.js';
import { gzipCompress, gzipDecompress, gzipDecompressedSize } from './gzip.js';
import { lz4Compress, lz4Decompress } from './lz4.js';
import { lz4Frames } from './lz4-frames.js';
import { recordedContentSize } from './recorded-size.js';
import { zstdCompress, zstdDecompress } from './zstd.js';
import { zstdFrames } from './zstd-frames.js';

/** Whole-buffer compression with a method and PostgreSQL-style level (see compression-spec.ts). */
export async function compressBuffer(data: Uint8Array, spec: Pick<CompressionSpec, 'method' | 'level'>): Promise<Buffer> {
  switch (spec.method) {
    case 'none':
      return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    case 'gzip':
      return gzipCompress(data, spec.level);
    case 'lz4':
      return lz4Compress(data);
    case 'zstd':
      return zstdCompress(data, spec.level);
  }
}

export interface DecompressOptions {
  /** Names the input in error messages. */
  readonly name?: string;
  /** A hint for frames that do not record their size (the WAL segment size). */
  readonly expectedSize?: number;
  /** Refuse output larger than this (default MAX_DECOMPRESSED_BYTES). */
  readonly maxOutput?: number;
}

/** The largest WAL segment PostgreSQL can be built with: no file of ours decompresses larger. */
export const MAX_DECOMPRESSED_BYTES = 1024 * 1024 * 1024;

/** Whole-buffer decompression; damaged input throws CompressionError('corrupt-compressed-data'). */
export async function decompressBuffer(
  data: Uint8Array,
  method: CompressionMethod,
  options: DecompressOptions = {},
): Promise<Buffer> {
  const name = options.name ?? `${method} data`;
  const maxOutput = options.maxOutput ?? MAX_DECOMPRESSED_BYTES;
  switch (method) {
    case 'none':
      return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    case 'gzip':
      return gzipDecompress(data, name, maxOutput);
    case 'lz4':
      return lz4Decompress(data, name, maxOutput, options.expectedSize);
    case 'zstd':
      return zstdDecompress(data, { ...options, name, maxOutput });
  }
}

/**
 * The uncompressed size of a file, as cheaply as its format allows (pg_receivewal uses this
 * to tell a complete compressed segment from a short one): plain files by stat, gzip from
 * the ISIZE trailer (modulo 2^32), lz4 and zstd from recorded frame sizes when every frame
 * has one, else by decompressing.
 */
export async function decompressedSizeOfFile(path: string, method: CompressionMethod): Promise<number> {
  if (method === 'none') return (await withFsError('stat file', path, () => stat(path))).size;
  if (method === 'gzip') return gzipDecompressedSize(path);
  const data = await withFsError('read compressed file', path, async () => {
    const handle = await open(path, 'r');
    try {
      return await handle.readFile();
    } finally {
      await handle.close();
    }
  });
  const recorded = recordedContentSize(method === 'lz4' ? lz4Frames(data, path) : zstdFrames(data, path));
  if (recorded !== undefined) return Number(recorded);
  return (await decompressBuffer(data, method, { name: path })).length;
}
