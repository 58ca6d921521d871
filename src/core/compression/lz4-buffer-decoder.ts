import { type CompressionError, corruptInput, outputTooLarge } from './compression-error.js';
import { decodeLz4Block, lz4BlockErrorReason } from './lz4-block.js';
import { lz4Frames } from './lz4-frames.js';
import { recordedContentSize } from './recorded-size.js';
import { xxhash32 } from './xxhash32.js';

export interface Lz4BufferDecodeOptions {
  readonly name: string;
  readonly maxOutput: number;
  /** What the output should come to (a WAL segment's size): the buffer is made that size first. */
  readonly expectedSize?: number | undefined;
}

/** The first output buffer when nothing better is known: LZ4 rarely compresses WAL below 1/4. */
const GUESS_RATIO = 4;
const MIN_CAPACITY = 64 * 1024;

/**
 * Decompresses every frame of an LZ4 frame-format file held in memory (what `lz4 -d`
 * does: concatenated frames, skippable frames, linked or independent blocks) straight into
 * one output buffer, and verifies every checksum the frames carry: the header checksum byte,
 * block checksums and the content checksum (XXH32).
 *
 * lz4.ts uses it where lz4-napi cannot be trusted to stop (an input large enough to expand
 * past maxOutput) or cannot load at all: here output stops at maxOutput, block by block. The
 * buffer is the expected size from the start and is returned without a copy.
 */
export const decodeLz4Buffer = (data: Uint8Array, options: Lz4BufferDecodeOptions): Buffer => {
  const { name, maxOutput } = options;
  const bad = (reason: string): CompressionError => corruptInput(name, reason);
  const src = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const frames = lz4Frames(src, name);
  const recorded = Number(recordedContentSize(frames) ?? 0n);
  let out = Buffer.allocUnsafe(
    Math.min(maxOutput, Math.max(options.expectedSize ?? 0, recorded, src.length * GUESS_RATIO, MIN_CAPACITY)),
  );
  let total = 0;

  /** Room for `bytes` more at `total`; never more than one block past maxOutput. */
  const ensure = (bytes: number): void => {
    if (total + bytes <= out.length) return;
    const grown = Buffer.allocUnsafe(Math.max(Math.min(out.length * 2, maxOutput), total + bytes));
    out.copy(grown, 0, 0, total);
    out = grown;
  };

  for (const { descriptor, start, firstBlock, contentSize } of frames) {
    // A skippable frame. (lz4Frames checked each frame's magic, its descriptor and that
    // every block lies inside the file.)
    if (descriptor === undefined) continue;
    if (descriptor.hasDictionaryId) throw bad('LZ4 dictionaries are not supported');
    // The header checksum byte covers FLG up to itself.
    const headerChecksum = (xxhash32(src.subarray(start + 4, firstBlock - 1)) >>> 8) & 0xff;
    if (headerChecksum !== src[firstBlock - 1]) throw bad('frame header checksum mismatch');
    const frameStart = total;
    let at = firstBlock;
    for (;;) {
      const word = src.readUInt32LE(at);
      at += 4;
      if (word === 0) break;
      const size = word & 0x7fffffff;
      const blockEnd = at + size;
      if (size > descriptor.blockMaxBytes) throw bad('block larger than the frame allows');
      if (descriptor.blockChecksum && xxhash32(src.subarray(at, blockEnd)) !== src.readUInt32LE(blockEnd)) {
        throw bad('block checksum mismatch');
      }
      if ((word & 0x80000000) !== 0) {
        // Stored uncompressed.
        ensure(size);
        src.copy(out, total, at, blockEnd);
        total += size;
      } else {
        const floor = descriptor.independentBlocks ? total : frameStart;
        const full = total + descriptor.blockMaxBytes;
        // Into the room there is (the last block of a segment is rarely full); a block that
        // needs more is decoded again once the buffer has grown to a whole block's room.
        let end = decodeLz4Block(src, at, blockEnd, out, total, Math.min(out.length, full), floor);
        if (end < 0 && out.length < full) {
          ensure(descriptor.blockMaxBytes);
          end = decodeLz4Block(src, at, blockEnd, out, total, full, floor);
        }
        if (end < 0) throw bad(lz4BlockErrorReason(end));
        total = end;
      }
      if (total > maxOutput) throw outputTooLarge(name, maxOutput);
      at = blockEnd + (descriptor.blockChecksum ? 4 : 0);
    }
    if (contentSize !== undefined && BigInt(total - frameStart) !== contentSize) {
      throw bad(`frame holds ${total - frameStart} bytes, its header says ${contentSize}`);
    }
    if (descriptor.contentChecksum && xxhash32(out.subarray(frameStart, total)) !== src.readUInt32LE(at)) {
      throw bad('content checksum mismatch');
    }
  }
  return out.subarray(0, total);
};
