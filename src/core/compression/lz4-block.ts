// The LZ4 block format (sequences of a token, literals, a 2-byte offset and a match), decoded
// into a buffer the caller owns: the whole output of a file (lz4.ts), or a window of history
// plus one block (the streaming lz4-frame-decoder.ts). One decoder serves both. Every read
// and write is bounds-checked: a hostile block fails, it never reads or writes outside.

/** Why a block failed: a negative result of decodeLz4Block. */
export const Lz4BlockError = { truncated: -1, literalsOverflow: -2, badMatch: -3 } as const;

const REASONS: Record<number, string> = {
  [Lz4BlockError.truncated]: 'truncated block',
  [Lz4BlockError.literalsOverflow]: 'literal run overflows',
  [Lz4BlockError.badMatch]: 'invalid match',
};

export const lz4BlockErrorReason = (code: number): string => REASONS[code] ?? 'invalid block';

/**
 * Below this many bytes a copy is a loop of single bytes: Buffer#copy's call costs more than
 * it saves for the short literal runs and matches that most sequences are.
 */
const SHORT_COPY = 16;

/**
 * Decodes the block src[s, end) into dst at `d`, writing nothing at or past `limit`. Matches
 * may reach back to dst[floor]: the block's own start for independent blocks, the frame's
 * first byte (or a window's history) for linked ones, never into another frame.
 * Returns the new end of the output, or a negative Lz4BlockError.
 */
export const decodeLz4Block = (
  src: Uint8Array, s: number, end: number, dst: Buffer, d: number, limit: number, floor: number,
): number => {
  for (;;) {
    if (s >= end) return Lz4BlockError.truncated;
    const token = src[s++] as number;
    let literals = token >>> 4;
    if (literals === 15) {
      const extra = lengthExtension(src, s, end);
      if (extra < 0) return Lz4BlockError.truncated;
      literals += extra;
      s += extensionBytes(extra);
    }
    if (s + literals > end || d + literals > limit) return Lz4BlockError.literalsOverflow;
    if (literals < SHORT_COPY) {
      for (let i = 0; i < literals; i += 1) dst[d++] = src[s++] as number;
    } else {
      dst.set(src.subarray(s, s + literals), d);
      s += literals;
      d += literals;
    }
    // The last sequence is literals only.
    if (s === end) return d;
    if (s + 2 > end) return Lz4BlockError.truncated;
    const offset = (src[s] as number) | ((src[s + 1] as number) << 8);
    s += 2;
    let length = (token & 15) + 4;
    if ((token & 15) === 15) {
      const extra = lengthExtension(src, s, end);
      if (extra < 0) return Lz4BlockError.truncated;
      length += extra;
      s += extensionBytes(extra);
    }
    if (offset === 0 || d - offset < floor || d + length > limit) return Lz4BlockError.badMatch;
    let from = d - offset;
    if (length < SHORT_COPY || offset < length) {
      // Short, or overlapping its own output (a run): byte by byte, as the format means it.
      for (let i = 0; i < length; i += 1) dst[d++] = dst[from++] as number;
    } else {
      dst.copyWithin(d, from, from + length);
      d += length;
    }
  }
};

/**
 * An LZ4 length extension starting at src[at]: bytes of 255 continue it, the first smaller
 * byte ends it. Its value, or -1 when the block ends first.
 */
const lengthExtension = (src: Uint8Array, at: number, end: number): number => {
  let sum = 0;
  let byte: number;
  do {
    if (at >= end) return -1;
    byte = src[at++] as number;
    sum += byte;
  } while (byte === 255);
  return sum;
};

/** The bytes an extension of this value took: every 255 one, plus the last (< 255) one. */
const extensionBytes = (value: number): number => Math.floor(value / 255) + 1;
