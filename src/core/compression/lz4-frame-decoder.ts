import { type CompressionError, corruptInput } from './compression-error.js';
import { decodeLz4Block, lz4BlockErrorReason } from './lz4-block.js';
import { isLz4SkippableMagic, LZ4_FRAME_MAGIC, readLz4FrameDescriptor } from './lz4-frames.js';

const WINDOW = 64 * 1024;

const State = {
  magic: 0, skippableSize: 1, skippable: 2, flags: 3, headerRest: 4, blockSize: 5, block: 6, contentChecksum: 7,
} as const;
type State = (typeof State)[keyof typeof State];

/**
 * Decodes the LZ4 frame format incrementally (what `lz4`, the PostgreSQL server's LZ4
 * compression and our own writer produce): concatenated and skippable frames, linked or
 * independent blocks, optional checksums (skipped, not verified). Output chunks are copies.
 */
export class Lz4FrameDecoder {
  constructor(private readonly name = 'LZ4 data') {}

  private state: State = State.magic;
  private pending: Buffer = Buffer.alloc(0);
  private need = 4;
  private blockChecksum = false;
  private contentChecksum = false;
  private independent = true;
  private blockMax = 0;
  private blockSize = 0;
  private blockCompressed = true;
  private skipLeft = 0;
  /** Decoded history (last 64 kB) followed by room for one block. */
  private window = Buffer.alloc(0);
  private windowUsed = 0;

  update(data: Buffer): Buffer[] {
    const out: Buffer[] = [];
    this.pending = this.pending.length === 0 ? data : Buffer.concat([this.pending, data]);
    let at = 0;
    for (;;) {
      if (this.state === State.skippable) {
        const skip = Math.min(this.skipLeft, this.pending.length - at);
        at += skip;
        this.skipLeft -= skip;
        if (this.skipLeft > 0) break;
        this.expect(State.magic, 4);
        continue;
      }
      if (this.pending.length - at < this.need) break;
      const chunk = this.pending.subarray(at, at + this.need);
      at += this.need;
      this.step(chunk, out);
    }
    this.pending = at === this.pending.length ? Buffer.alloc(0) : Buffer.from(this.pending.subarray(at));
    return out;
  }

  /** The input is over: it must not stop inside a frame. */
  end(): Buffer[] {
    if (this.state !== State.magic || this.pending.length > 0) throw this.bad('the data ends inside a frame');
    return [];
  }

  private bad(reason: string): CompressionError {
    return corruptInput(this.name, reason);
  }

  private expect(state: State, need: number): void {
    this.state = state;
    this.need = need;
  }

  private step(chunk: Buffer, out: Buffer[]): void {
    switch (this.state) {
      case State.magic: {
        const magic = chunk.readUInt32LE(0);
        if (isLz4SkippableMagic(magic)) this.expect(State.skippableSize, 4);
        else if (magic === LZ4_FRAME_MAGIC) this.expect(State.flags, 2);
        else throw this.bad('bad frame magic number');
        return;
      }
      case State.skippableSize:
        this.skipLeft = chunk.readUInt32LE(0);
        this.expect(State.skippable, 0);
        return;
      case State.flags: {
        const descriptor = readLz4FrameDescriptor(chunk[0] as number, chunk[1] as number);
        if (typeof descriptor === 'string') throw this.bad(descriptor);
        if (descriptor.hasDictionaryId) throw this.bad('LZ4 dictionaries are not supported');
        this.independent = descriptor.independentBlocks;
        this.blockChecksum = descriptor.blockChecksum;
        this.contentChecksum = descriptor.contentChecksum;
        this.blockMax = descriptor.blockMaxBytes;
        if (this.window.length < WINDOW + this.blockMax) this.window = Buffer.alloc(WINDOW + this.blockMax);
        this.windowUsed = 0;
        // Content size (optional) and the header checksum byte: skipped, as the doc says.
        this.expect(State.headerRest, descriptor.headerRestBytes);
        return;
      }
      case State.headerRest:
        this.expect(State.blockSize, 4);
        return;
      case State.blockSize: {
        const word = chunk.readUInt32LE(0);
        if (word === 0) {
          if (this.contentChecksum) this.expect(State.contentChecksum, 4);
          else this.expect(State.magic, 4);
          return;
        }
        this.blockCompressed = (word & 0x80000000) === 0;
        this.blockSize = word & 0x7fffffff;
        if (this.blockSize > this.blockMax) throw this.bad('block larger than the frame allows');
        this.expect(State.block, this.blockSize + (this.blockChecksum ? 4 : 0));
        return;
      }
      case State.block:
        out.push(this.decodeBlock(chunk.subarray(0, this.blockSize)));
        this.expect(State.blockSize, 4);
        return;
      case State.contentChecksum:
        this.expect(State.magic, 4);
        return;
      case State.skippable:
        return;
    }
  }

  private decodeBlock(src: Buffer): Buffer {
    // Keep at most the last 64 kB of history in front of the new block (linked blocks).
    if (this.independent) {
      this.windowUsed = 0;
    } else if (this.windowUsed > WINDOW) {
      this.window.copy(this.window, 0, this.windowUsed - WINDOW, this.windowUsed);
      this.windowUsed = WINDOW;
    }
    const start = this.windowUsed;
    const dst = this.window;
    if (!this.blockCompressed) {
      src.copy(dst, start);
      this.windowUsed = start + src.length;
      return Buffer.from(dst.subarray(start, this.windowUsed));
    }
    // Matches reach back into the window: this frame's history (none for independent blocks).
    const d = decodeLz4Block(src, 0, src.length, dst, start, start + this.blockMax, 0);
    if (d < 0) throw this.bad(lz4BlockErrorReason(d));
    this.windowUsed = d;
    return Buffer.from(dst.subarray(start, d));
  }
}
