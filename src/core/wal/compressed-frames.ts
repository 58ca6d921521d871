import { ValidationError } from '../errors.js';

/**
 * Splits LZ4 and zstd files into their frames. Both formats allow several frames one after
 * the other (the `lz4` and `zstd` programs decode them as one stream); the WAL receiver
 * writes one frame per flush so that a partial file is always made of complete frames.
 * Library decoders at hand decode only the first frame of a buffer, so callers decode the
 * frames one by one.
 */
export interface FrameSlice {
  readonly start: number;
  readonly end: number;
  /** Decompressed size if the frame header declares it. */
  readonly contentSize: bigint | undefined;
  /** Skippable frames carry metadata, never content. */
  readonly skippable: boolean;
}

const LZ4_MAGIC = 0x184d2204;
const ZSTD_MAGIC = 0xfd2fb528;
const isSkippableMagic = (magic: number): boolean => magic >>> 4 === 0x184d2a5;

const truncated = (what: string): ValidationError =>
  new ValidationError('truncated-frame', `Cannot read ${what} frame: the data ends inside it`);

const need = (data: Buffer, end: number, what: string): void => {
  if (end > data.length) throw truncated(what);
};

/** Frames of an LZ4 frame-format buffer (lz4 frame specification 1.6). */
export function lz4Frames(data: Buffer): FrameSlice[] {
  const frames: FrameSlice[] = [];
  let at = 0;
  while (at < data.length) {
    need(data, at + 4, 'LZ4');
    const magic = data.readUInt32LE(at);
    if (isSkippableMagic(magic)) {
      need(data, at + 8, 'LZ4');
      const end = at + 8 + data.readUInt32LE(at + 4);
      need(data, end, 'LZ4');
      frames.push({ start: at, end, contentSize: undefined, skippable: true });
      at = end;
      continue;
    }
    if (magic !== LZ4_MAGIC) {
      throw new ValidationError('bad-frame', `Cannot read LZ4 data: bad frame magic at byte ${at}`);
    }
    need(data, at + 7, 'LZ4');
    const flags = data.readUInt8(at + 4);
    const blockChecksum = (flags & 0x10) !== 0;
    const hasContentSize = (flags & 0x08) !== 0;
    const contentChecksum = (flags & 0x04) !== 0;
    const hasDictId = (flags & 0x01) !== 0;
    let cursor = at + 6;
    let contentSize: bigint | undefined;
    if (hasContentSize) {
      need(data, cursor + 8, 'LZ4');
      contentSize = data.readBigUInt64LE(cursor);
      cursor += 8;
    }
    if (hasDictId) cursor += 4;
    cursor += 1; // header checksum
    for (;;) {
      need(data, cursor + 4, 'LZ4');
      const word = data.readUInt32LE(cursor);
      cursor += 4;
      if (word === 0) break;
      cursor += (word & 0x7fffffff) + (blockChecksum ? 4 : 0);
    }
    if (contentChecksum) cursor += 4;
    need(data, cursor, 'LZ4');
    frames.push({ start: at, end: cursor, contentSize, skippable: false });
    at = cursor;
  }
  return frames;
}

/** Frames of a zstd buffer (RFC 8878). */
export function zstdFrames(data: Buffer): FrameSlice[] {
  const frames: FrameSlice[] = [];
  let at = 0;
  while (at < data.length) {
    need(data, at + 4, 'zstd');
    const magic = data.readUInt32LE(at);
    if (isSkippableMagic(magic)) {
      need(data, at + 8, 'zstd');
      const end = at + 8 + data.readUInt32LE(at + 4);
      need(data, end, 'zstd');
      frames.push({ start: at, end, contentSize: undefined, skippable: true });
      at = end;
      continue;
    }
    if (magic !== ZSTD_MAGIC) {
      throw new ValidationError('bad-frame', `Cannot read zstd data: bad frame magic at byte ${at}`);
    }
    need(data, at + 5, 'zstd');
    const descriptor = data.readUInt8(at + 4);
    const fcsFlag = descriptor >> 6;
    const singleSegment = (descriptor & 0x20) !== 0;
    const contentChecksum = (descriptor & 0x04) !== 0;
    const dictIdBytes = [0, 1, 2, 4][descriptor & 0x03] ?? 0;
    const fcsBytes = fcsFlag === 0 ? (singleSegment ? 1 : 0) : ([0, 2, 4, 8][fcsFlag] ?? 0);
    let cursor = at + 5 + (singleSegment ? 0 : 1) + dictIdBytes;
    need(data, cursor + fcsBytes, 'zstd');
    let contentSize: bigint | undefined;
    if (fcsBytes === 1) contentSize = BigInt(data.readUInt8(cursor));
    else if (fcsBytes === 2) contentSize = BigInt(data.readUInt16LE(cursor)) + 256n;
    else if (fcsBytes === 4) contentSize = BigInt(data.readUInt32LE(cursor));
    else if (fcsBytes === 8) contentSize = data.readBigUInt64LE(cursor);
    cursor += fcsBytes;
    for (;;) {
      need(data, cursor + 3, 'zstd');
      const header = data.readUIntLE(cursor, 3);
      cursor += 3;
      const last = (header & 1) === 1;
      const type = (header >> 1) & 3;
      const size = header >> 3;
      if (type === 3) throw new ValidationError('bad-frame', `Cannot read zstd data: reserved block type at byte ${cursor - 3}`);
      cursor += type === 1 ? 1 : size;
      if (last) break;
    }
    if (contentChecksum) cursor += 4;
    need(data, cursor, 'zstd');
    frames.push({ start: at, end: cursor, contentSize, skippable: false });
    at = cursor;
  }
  return frames;
}
