import { type CompressionError, corruptInput } from './compression-error.js';

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
  /** What FLG and BD announce; undefined for a skippable frame. */
  readonly descriptor: Lz4FrameDescriptor | undefined;
  /** Where the first block's size word is: after the header and its checksum byte. */
  readonly firstBlock: number;
}

export const LZ4_FRAME_MAGIC = 0x184d2204;
/** 0x184D2A50 … 0x184D2A5F: a skippable frame (a size, then bytes no decoder reads). */
export const isLz4SkippableMagic = (magic: number): boolean => magic >>> 4 === 0x184d2a5;

/** What a frame's FLG and BD bytes announce. */
export interface Lz4FrameDescriptor {
  readonly independentBlocks: boolean;
  readonly blockChecksum: boolean;
  readonly hasContentSize: boolean;
  readonly contentChecksum: boolean;
  readonly hasDictionaryId: boolean;
  readonly blockMaxBytes: number;
  /** Bytes after FLG and BD up to the first block: content size, dictionary id, HC. */
  readonly headerRestBytes: number;
}

/** FLG and BD → the descriptor, or why no reader of frame format version 01 takes it. */
export const readLz4FrameDescriptor = (flg: number, bd: number): Lz4FrameDescriptor | string => {
  if (flg >> 6 !== 1) return 'unsupported LZ4 frame version';
  const sizeId = (bd >> 4) & 7;
  if (sizeId < 4) return 'invalid LZ4 block size';
  const hasContentSize = (flg & 0x08) !== 0;
  const hasDictionaryId = (flg & 0x01) !== 0;
  return {
    independentBlocks: (flg & 0x20) !== 0,
    blockChecksum: (flg & 0x10) !== 0,
    hasContentSize,
    contentChecksum: (flg & 0x04) !== 0,
    hasDictionaryId,
    blockMaxBytes: 1 << (8 + 2 * sizeId),
    headerRestBytes: (hasContentSize ? 8 : 0) + (hasDictionaryId ? 4 : 0) + 1,
  };
};

export function lz4Frames(data: Uint8Array, name: string): Lz4Frame[] {
  const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const frames: Lz4Frame[] = [];
  const bad = (what: string): CompressionError => corruptInput(name, what);
  let at = 0;
  if (view.length === 0) throw bad('empty file is not an LZ4 frame');
  while (at < view.length) {
    if (at + 4 > view.length) throw bad('truncated LZ4 frame');
    const magic = view.readUInt32LE(at);
    if (isLz4SkippableMagic(magic)) {
      if (at + 8 > view.length) throw bad('truncated skippable frame');
      const end = at + 8 + view.readUInt32LE(at + 4);
      if (end > view.length) throw bad('truncated skippable frame');
      frames.push({ start: at, end, contentSize: 0n, skippable: true, descriptor: undefined, firstBlock: end });
      at = end;
      continue;
    }
    if (magic !== LZ4_FRAME_MAGIC) throw bad(`not an LZ4 frame at byte ${at}`);
    const start = at;
    const flg = view[at + 4];
    const bd = view[at + 5];
    if (flg === undefined || bd === undefined) throw bad('truncated LZ4 frame header');
    const descriptor = readLz4FrameDescriptor(flg, bd);
    if (typeof descriptor === 'string') throw bad(descriptor);
    const { blockChecksum, contentChecksum } = descriptor;
    at += 6;
    if (at + descriptor.headerRestBytes > view.length) throw bad('truncated LZ4 frame header');
    // The header checksum (last byte) is verified by the decoder.
    const contentSize = descriptor.hasContentSize ? view.readBigUInt64LE(at) : undefined;
    at += descriptor.headerRestBytes;
    const firstBlock = at;
    for (;;) {
      if (at + 4 > view.length) throw bad('truncated LZ4 frame');
      const word = view.readUInt32LE(at);
      at += 4;
      if (word === 0) break;
      at += (word & 0x7fffffff) + (blockChecksum ? 4 : 0);
    }
    if (contentChecksum) at += 4;
    if (at > view.length) throw bad('truncated LZ4 frame');
    frames.push({ start, end: at, contentSize, skippable: false, descriptor, firstBlock });
  }
  return frames;
}
