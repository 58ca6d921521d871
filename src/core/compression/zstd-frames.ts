import { CompressionError } from './compression-error.js';

/**
 * Walks the frames of a zstd file without decompressing (RFC 8878 §3.1): frame header
 * (descriptor, window, dictionary id, content size), then blocks with 3-byte headers until
 * the last one, then an optional 4-byte checksum; skippable frames are magic + size + data.
 * The wasm build's decompress() handles one frame and trusts its recorded size, so each
 * frame is handed over on its own, with its recorded size checked first.
 */
export interface ZstdFrame {
  readonly start: number;
  readonly end: number;
  /** The frame content size when the writer recorded it (not when compressing a pipe). */
  readonly contentSize: bigint | undefined;
  readonly skippable: boolean;
}

const FRAME_MAGIC = 0xfd2fb528;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const dictIdBytes = [0, 1, 2, 4] as const;

export function zstdFrames(data: Uint8Array, name: string): ZstdFrame[] {
  const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const bad = (what: string): CompressionError =>
    new CompressionError('corrupt-compressed-data', `Cannot decompress "${name}": ${what}`);
  const need = (at: number, bytes: number, what: string): void => {
    if (at + bytes > view.length) throw bad(`truncated ${what}`);
  };
  if (view.length === 0) throw bad('empty file is not a zstd frame');
  const frames: ZstdFrame[] = [];
  let at = 0;
  while (at < view.length) {
    need(at, 4, 'zstd frame');
    const magic = view.readUInt32LE(at);
    if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      need(at, 8, 'skippable frame');
      const end = at + 8 + view.readUInt32LE(at + 4);
      if (end > view.length) throw bad('truncated skippable frame');
      frames.push({ start: at, end, contentSize: 0n, skippable: true });
      at = end;
      continue;
    }
    if (magic !== FRAME_MAGIC) throw bad(`not a zstd frame at byte ${at}`);
    const start = at;
    need(at, 5, 'zstd frame header');
    const descriptor = view[at + 4] ?? 0;
    if ((descriptor & 0x08) !== 0) throw bad('reserved bit set in zstd frame header');
    const fcsFlag = descriptor >> 6;
    const singleSegment = (descriptor & 0x20) !== 0;
    const checksum = (descriptor & 0x04) !== 0;
    at += 5 + (singleSegment ? 0 : 1) + (dictIdBytes[descriptor & 0x03] ?? 0);
    const fcsBytes = fcsFlag === 0 ? (singleSegment ? 1 : 0) : 1 << fcsFlag;
    need(at, fcsBytes, 'zstd frame header');
    let contentSize: bigint | undefined;
    if (fcsBytes === 1) contentSize = BigInt(view[at] ?? 0);
    else if (fcsBytes === 2) contentSize = BigInt(view.readUInt16LE(at) + 256);
    else if (fcsBytes === 4) contentSize = BigInt(view.readUInt32LE(at));
    else if (fcsBytes === 8) contentSize = view.readBigUInt64LE(at);
    at += fcsBytes;
    for (;;) {
      need(at, 3, 'zstd block');
      const header = view.readUIntLE(at, 3);
      at += 3;
      const type = (header >> 1) & 0x03;
      if (type === 3) throw bad('reserved zstd block type');
      at += type === 1 ? 1 : header >>> 3;
      if ((header & 1) === 1) break;
    }
    if (checksum) at += 4;
    if (at > view.length) throw bad('truncated zstd frame');
    frames.push({ start, end: at, contentSize, skippable: false });
  }
  return frames;
}
