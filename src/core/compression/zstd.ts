import { CompressionError, corruptInput, outputTooLarge } from './compression-error.js';
import { messageOf } from '../errors.js';
import { xxhash64 } from './xxhash64.js';
import { zstdFrames } from './zstd-frames.js';

interface ZstdApi {
  readonly compress: (data: Uint8Array, level?: number) => Uint8Array;
  readonly decompress: (data: Uint8Array, options?: { defaultHeapSize?: number }) => Uint8Array;
}

/** XXH64 with seed 0, the frame format's content checksum (its low 32 bits are written). */
type Xxh64 = (data: Uint8Array) => bigint;

let loading: Promise<ZstdApi> | undefined;
let loadingXxh64: Promise<Xxh64> | undefined;

/** Loads the wasm module (and runs its `init()`) once per process, on first use. */
export const loadZstd = (): Promise<ZstdApi> => {
  loading ??= (async () => {
    const zstd = await import('@bokuweb/zstd-wasm');
    await zstd.init();
    return { compress: zstd.compress, decompress: zstd.decompress };
  })().catch((error: unknown) => {
    loading = undefined;
    throw new CompressionError(
      'compression-unavailable',
      `Cannot use zstd compression: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  });
  return loading;
};

/**
 * XXH64 for the frames we write, loaded with the first compression only: zstd checks a
 * frame's checksum itself when decompressing, so a restore does not load the add-on (~7 ms).
 * The wasm build cannot checksum its frames. XXH64 in JavaScript took 0.67-1.3 s for the 460
 * MB of a 542 MB cluster's backup, more than compressing it (0.84 s), against 27 ms in the
 * native @node-rs/xxhash (docs/dev/performance.md); the JavaScript one stays for where the
 * add-on cannot load (a single executable without a usable TMPDIR), so zstd never needs it.
 */
const loadXxh64 = (): Promise<Xxh64> => {
  loadingXxh64 ??= loadNativeXxh64().then((native) => native ?? xxhash64);
  return loadingXxh64;
};

/** The add-on's XXH64, or undefined when it cannot be loaded (its first use loads it). */
const loadNativeXxh64 = async (): Promise<Xxh64 | undefined> => {
  try {
    const mod = await import('@node-rs/xxhash');
    const { xxh64 } = 'xxh64' in mod ? mod : (mod as { default: typeof mod }).default;
    xxh64(new Uint8Array(0));
    return (data) => xxh64(data);
  } catch {
    return undefined;
  }
};

/** zstd's own default level. */
export const ZSTD_DEFAULT_LEVEL = 3;

/**
 * One zstd frame with its content size and content checksum. The wasm build's simple API
 * writes no checksum, so it is added here (flag bit in the frame header descriptor, XXH64
 * after the last block), as `zstd` itself writes frames: decoders then detect damage.
 */
export const zstdCompress = async (data: Uint8Array, level = ZSTD_DEFAULT_LEVEL): Promise<Buffer> => {
  const [{ compress }, xxh64] = await Promise.all([loadZstd(), loadXxh64()]);
  const out = compress(data, level);
  const frame = Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  const descriptor = frame[4];
  if (descriptor === undefined || (descriptor & CHECKSUM_FLAG) !== 0) return frame;
  frame[4] = descriptor | CHECKSUM_FLAG;
  const checksum = Buffer.alloc(4);
  checksum.writeUInt32LE(lowWord(xxh64(data)), 0);
  return Buffer.concat([frame, checksum]);
};

/** A frame's content checksum holds the low 32 bits of the content's XXH64. */
const lowWord = (hash: bigint): number => Number(hash & 0xffff_ffffn);

/** What a zstd frame's content checksum holds for `data`. */
export const zstdContentChecksum = async (data: Uint8Array): Promise<number> => lowWord((await loadXxh64())(data));

const CHECKSUM_FLAG = 0x04;

export interface ZstdDecompressOptions {
  readonly name?: string;
  /** First output size to try for a frame without a recorded size (e.g. the segment size). */
  readonly expectedSize?: number;
  /** Refuse to produce more than this; default 1 GiB, the largest WAL segment. */
  readonly maxOutput?: number;
}

const DST_SIZE_TOO_SMALL = 70;

/**
 * Decompresses every frame, with or without recorded content sizes (the `zstd` CLI omits it
 * when compressing a pipe). Without one, the output buffer starts at the expected size and
 * doubles while zstd reports it too small, up to `maxOutput`.
 */
export const zstdDecompress = async (data: Uint8Array, options: ZstdDecompressOptions = {}): Promise<Buffer> => {
  const zstd = await loadZstd();
  const name = options.name ?? 'zstd data';
  const maxOutput = options.maxOutput ?? 1024 * 1024 * 1024;
  const parts: Buffer[] = [];
  let total = 0;
  for (const frame of zstdFrames(data, name)) {
    if (frame.skippable) continue;
    const input = data.subarray(frame.start, frame.end);
    const room = maxOutput - total;
    let part: Buffer;
    if (frame.contentSize !== undefined) {
      if (frame.contentSize > BigInt(room)) throw outputTooLarge(name, maxOutput);
      part = frame.contentSize === 0n ? Buffer.alloc(0) : run(zstd, input, undefined, name);
      if (BigInt(part.length) !== frame.contentSize) {
        throw corruptInput(name, 'frame size mismatch');
      }
    } else {
      let capacity = Math.min(room, Math.max(options.expectedSize ?? 0, input.length * 4, 64 * 1024));
      for (;;) {
        const attempt = tryRun(zstd, input, capacity, name);
        if (attempt !== undefined) {
          part = attempt;
          break;
        }
        if (capacity >= room) throw outputTooLarge(name, maxOutput);
        capacity = Math.min(capacity * 2, room);
      }
    }
    total += part.length;
    parts.push(part);
  }
  return parts.length === 1 && parts[0] !== undefined ? parts[0] : Buffer.concat(parts, total);
};

/** Decompresses one frame; undefined when `capacity` was too small. */
const tryRun = (zstd: ZstdApi, input: Uint8Array, capacity: number, name: string): Buffer | undefined => {
  try {
    return run(zstd, input, capacity, name);
  } catch (error) {
    if (error instanceof CompressionError && error.message.endsWith(`(zstd error ${DST_SIZE_TOO_SMALL})`)) {
      return undefined;
    }
    throw error;
  }
};

const run = (zstd: ZstdApi, input: Uint8Array, capacity: number | undefined, name: string): Buffer => {
  try {
    const out = zstd.decompress(input, capacity === undefined ? undefined : { defaultHeapSize: capacity });
    return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  } catch (error) {
    const message = messageOf(error);
    const code = /code (-?\d+)/.exec(message)?.[1];
    const reason = code === undefined ? message : `corrupt data (zstd error ${Math.abs(Number(code))})`;
    throw corruptInput(name, reason, error);
  }
};
