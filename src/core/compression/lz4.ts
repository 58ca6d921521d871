import type * as Lz4Napi from 'lz4-napi';
import { messageOf } from '../errors.js';
import { CompressionError, corruptInput } from './compression-error.js';
import { decodeLz4Buffer } from './lz4-buffer-decoder.js';
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
 * One LZ4 frame of `data` (content checksum included, as the lz4 tool writes by default), made
 * on this thread: for a whole segment (archivewal, the pusher) and for each frame of the
 * streaming encoder. On a pool thread the add-on's allocator faults in every page of each
 * frame's output buffer (35 ms for a 16 MB segment here against 72 ms there); on the main
 * thread, with glibc in transparent huge pages (the shims' GLIBC_TUNABLES), a 1 MB frame of
 * a base backup takes ~0.4 ms, less than the trip through the pool. The compressor has one
 * speed: a level is accepted for PostgreSQL's `lz4:N` syntax and has no effect.
 */
export const lz4Compress = async (data: Uint8Array): Promise<Buffer> => {
  const lz4 = await loadLz4();
  return lz4.compressFrameSync(Buffer.from(data.buffer, data.byteOffset, data.byteLength), { contentChecksum: true });
};

/** LZ4 cannot expand data more than this: each length byte of 255 stands for 255 bytes more. */
const LZ4_MAX_RATIO = 255;

/**
 * Decompresses every frame of an LZ4 frame-format file (what `lz4 -d` does), checksums
 * verified. lz4-napi does it when its output is bounded by construction (input × 255 within
 * maxOutput: nothing a file claims can make it allocate more), synchronously: on the main
 * thread its allocator (mimalloc) starts in transparent huge pages, and a 16 MB segment took
 * 15-25 ms there against 116-146 ms on a pool thread, whose fresh arena faulted in every 4 kB
 * page. Larger inputs, or no add-on (a single executable without a usable TMPDIR), go to our
 * decoder (lz4-buffer-decoder.ts), which stops at maxOutput: restoring never needs the add-on.
 */
export const lz4Decompress = async (
  data: Uint8Array,
  name = 'lz4 data',
  maxOutput = Infinity,
  expectedSize?: number,
): Promise<Buffer> => {
  const lz4 = data.length * LZ4_MAX_RATIO <= maxOutput ? await loadLz4().catch(() => undefined) : undefined;
  return lz4 === undefined ? decodeLz4Buffer(data, { name, maxOutput, expectedSize }) : decodeNative(lz4, data, name);
};

/** lz4-napi decodes one frame per call: the frames are found first, as `lz4` reads them all. */
const decodeNative = (lz4: Lz4Module, data: Uint8Array, name: string): Buffer => {
  const parts: Buffer[] = [];
  let total = 0;
  for (const frame of lz4Frames(data, name)) {
    if (frame.skippable) continue;
    let part: Buffer;
    try {
      part = lz4.decompressFrameSync(Buffer.from(data.buffer, data.byteOffset + frame.start, frame.end - frame.start));
    } catch (error) {
      throw corruptInput(name, messageOf(error), error);
    }
    if (frame.contentSize !== undefined && BigInt(part.length) !== frame.contentSize) {
      throw corruptInput(name, `frame holds ${part.length} bytes, its header says ${frame.contentSize}`);
    }
    total += part.length;
    parts.push(part);
  }
  return parts.length === 1 && parts[0] !== undefined ? parts[0] : Buffer.concat(parts, total);
};
