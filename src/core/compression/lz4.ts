import type * as Lz4Napi from 'lz4-napi';
import { CompressionError, corruptInput, outputTooLarge } from './compression-error.js';
import { messageOf } from '../errors.js';
import { lz4Frames } from './lz4-frames.js';

type Lz4Module = typeof Lz4Napi;

let loading: Promise<Lz4Module> | undefined;

/**
 * lz4-napi is a native add-on: it is loaded on first use, never at import, so a build that
 * cannot carry it (or a machine without its binary) fails only when lz4 is actually asked for.
 */
export const loadLz4 = (): Promise<Lz4Module> => {
  loading ??= import('lz4-napi').then(
    (mod) => ('compressFrame' in mod ? mod : (mod as { default: Lz4Module }).default),
    (error: unknown) => {
      loading = undefined;
      throw new CompressionError(
        'compression-unavailable',
        `Cannot use lz4 compression: the lz4-napi module could not be loaded (${
          error instanceof Error ? error.message.split('\n')[0] : String(error)
        })`,
        { cause: error, hint: 'Use gzip or zstd, or install warmstandby with its optional dependencies.' },
      );
    },
  );
  return loading;
};

/**
 * One LZ4 frame with a content checksum (so a damaged file is detected on decompression).
 * The frame compressor has a single speed: a level is accepted for compatibility with
 * PostgreSQL's `lz4:N` syntax and has no effect.
 */
export const lz4Compress = async (data: Uint8Array): Promise<Buffer> => {
  const lz4 = await loadLz4();
  return lz4.compressFrame(data, { contentChecksum: true });
};

/** Decompresses every frame of an LZ4 frame-format file (what `lz4 -d` does). */
export const lz4Decompress = async (data: Uint8Array, name = 'lz4 data', maxOutput = Infinity): Promise<Buffer> => {
  const lz4 = await loadLz4();
  const parts: Buffer[] = [];
  let total = 0;
  for (const frame of lz4Frames(data, name)) {
    if (frame.skippable) continue;
    let part: Buffer;
    try {
      part = await lz4.decompressFrame(data.subarray(frame.start, frame.end));
    } catch (error) {
      throw corruptInput(name, messageOf(error), error);
    }
    if (frame.contentSize !== undefined && BigInt(part.length) !== frame.contentSize) {
      throw corruptInput(name, `frame holds ${part.length} bytes, its header says ${frame.contentSize}`);
    }
    total += part.length;
    if (total > maxOutput) throw outputTooLarge(name, maxOutput);
    parts.push(part);
  }
  return parts.length === 1 && parts[0] !== undefined ? parts[0] : Buffer.concat(parts, total);
};
