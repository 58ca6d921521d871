import { CompressionError } from './compression-error.js';

/**
 * Walks the frames of an LZ4 frame-format file without decompressing them: lz4-napi
 * decodes one frame per call, while `lz4` concatenates frames (`cat a.lz4 b.lz4`) and
 * decodes them all, so the walk finds the boundaries. Layout per the LZ4 frame format:
 * magic, FLG, BD, [content size 8], [dict id 4], HC, blocks (4-byte size, high bit =
 * stored), end mark 0, [content checksum 4]. Skippable frames (magic 0x184D2A5x) hold no data.
 */
export interface Lz4Frame {
  readonly start: number;
  readonly end: number;
  /** From the frame header when the writer recorded it. */
  readonly contentSize: bigint | undefined;
  readonly skippable: boolean;
}

const FRAME_MAGIC = 0x184d2204;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;

export function lz4Frames(data: Uint8Array, name: string): Lz4Frame[] {
  const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const frames: Lz4Frame[] = [];
  const bad = (what: string): CompressionError =>
    new CompressionError('corrupt-compressed-data', `Cannot decompress "${name}": ${what}`);
  let at = 0;
  if (view.length === 0) throw bad('empty file is not an LZ4 frame');
  while (at < view.length) {
    if (at + 4 > view.length) throw bad('truncated LZ4 frame');
    const magic = view.readUInt32LE(at);
    if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      if (at + 8 > view.length) throw bad('truncated skippable frame');
      const end = at + 8 + view.readUInt32LE(at + 4);
      if (end > view.length) throw bad('truncated skippable frame');
      frames.push({ start: at, end, contentSize: 0n, skippable: true });
      at = end;
      continue;
    }
    if (magic !== FRAME_MAGIC) throw bad(`not an LZ4 frame at byte ${at}`);
    const start = at;
    const flg = view[at + 4];
    if (flg === undefined || view[at + 5] === undefined) throw bad('truncated LZ4 frame header');
    if (flg >> 6 !== 1) throw bad('unsupported LZ4 frame version');
    const blockChecksum = (flg & 0x10) !== 0;
    const hasContentSize = (flg & 0x08) !== 0;
    const contentChecksum = (flg & 0x04) !== 0;
    const hasDict = (flg & 0x01) !== 0;
    at += 6;
    let contentSize: bigint | undefined;
    if (hasContentSize) {
      if (at + 8 > view.length) throw bad('truncated LZ4 frame header');
      contentSize = view.readBigUInt64LE(at);
      at += 8;
    }
    if (hasDict) at += 4;
    at += 1; // header checksum, verified by the decoder
    for (;;) {
      if (at + 4 > view.length) throw bad('truncated LZ4 frame');
      const word = view.readUInt32LE(at);
      at += 4;
      if (word === 0) break;
      at += (word & 0x7fffffff) + (blockChecksum ? 4 : 0);
    }
    if (contentChecksum) at += 4;
    if (at > view.length) throw bad('truncated LZ4 frame');
    frames.push({ start, end: at, contentSize, skippable: false });
  }
  return frames;
}
