/**
 * Received WAL waiting for the disk, copied into a fixed set of reusable chunks. Copying
 * (about a millisecond per 16 MB) lets every message buffer die young instead of surviving
 * in a queue until a full garbage collection: the memory a receiver holds is the chunks,
 * counted exactly, whatever the garbage collector does.
 *
 * Chunks cover chunk-aligned LSN ranges ([k·C, (k+1)·C)); C divides the segment size, so a
 * chunk never straddles two segments.
 */
interface Chunk {
  readonly buf: Buffer;
  lsn: bigint;
  filled: number;
  written: number;
}

export interface BufferedRun {
  readonly lsn: bigint;
  /** Views into the chunks: valid until consume() gives those bytes back. */
  readonly views: Buffer[];
  readonly bytes: number;
}

export class WalBuffer {
  private readonly chunks: Chunk[] = [];
  private readonly spare: Buffer[] = [];
  private buffered = 0;
  private allocatedChunks = 0;

  constructor(
    private readonly chunkSize: number,
    private readonly maxChunks: number,
  ) {}

  /** Bytes received and not yet consumed (written). */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** Whether new data still fits in the chunk budget. */
  get hasRoom(): boolean {
    return this.allocatedChunks < this.maxChunks || this.spare.length > 0 || this.tailRoom() > 0;
  }

  get isEmpty(): boolean {
    return this.buffered === 0;
  }

  /** Copies `data` (which starts at `lsn`, right after what is buffered) into the chunks. */
  put(lsn: bigint, data: Buffer): void {
    // Everything buffered was written: the chunks left are spent, even a half-filled tail
    // (the stream may have moved on without the buffer meanwhile).
    if (this.buffered === 0) this.releaseAll();
    let at = 0;
    let position = lsn;
    while (at < data.length) {
      let tail = this.chunks.at(-1);
      if (tail === undefined || tail.filled === this.capacityOf(tail) || tail.lsn + BigInt(tail.filled) !== position) {
        tail = { buf: this.takeSpare(), lsn: position, filled: 0, written: 0 };
        this.chunks.push(tail);
      }
      const take = Math.min(data.length - at, this.capacityOf(tail) - tail.filled);
      data.copy(tail.buf, tail.filled, at, at + take);
      tail.filled += take;
      this.buffered += take;
      at += take;
      position += BigInt(take);
    }
  }

  /** The oldest unwritten bytes, contiguous, at most `maxBytes`, never past `limitLsn`. */
  peek(maxBytes: number, limitLsn: bigint): BufferedRun | undefined {
    const first = this.chunks[0];
    if (first === undefined || first.written === first.filled) return undefined;
    const views: Buffer[] = [];
    let bytes = 0;
    let expected = first.lsn + BigInt(first.written);
    const lsn = expected;
    for (const chunk of this.chunks) {
      const from = chunk === first ? chunk.written : 0;
      if (chunk.lsn + BigInt(from) !== expected) break;
      const room = Math.min(chunk.filled - from, maxBytes - bytes, Number(limitLsn - expected));
      if (room <= 0) break;
      views.push(chunk.buf.subarray(from, from + room));
      bytes += room;
      expected += BigInt(room);
      if (from + room < this.capacityOf(chunk)) break;
    }
    return bytes === 0 ? undefined : { lsn, views, bytes };
  }

  /** Gives back the first `bytes` of buffered data (written to disk); frees emptied chunks. */
  consume(bytes: number): void {
    let left = bytes;
    while (left > 0) {
      const head = this.chunks[0];
      if (head === undefined) throw new Error('WalBuffer.consume() past the buffered data');
      const take = Math.min(left, head.filled - head.written);
      head.written += take;
      left -= take;
      this.buffered -= take;
      if (head.written === this.capacityOf(head)) {
        this.chunks.shift();
        this.giveBack(head.buf);
      } else if (take === 0) {
        throw new Error('WalBuffer.consume() past the filled part of a chunk');
      }
    }
  }

  private releaseAll(): void {
    for (const chunk of this.chunks.splice(0)) this.giveBack(chunk.buf);
  }

  /** A chunk ends on a chunk boundary, even one that starts mid-way (after a restart). */
  private capacityOf(chunk: Chunk): number {
    return this.chunkSize - Number(chunk.lsn % BigInt(this.chunkSize));
  }

  private tailRoom(): number {
    const tail = this.chunks.at(-1);
    return tail === undefined ? 0 : this.capacityOf(tail) - tail.filled;
  }

  private takeSpare(): Buffer {
    const reused = this.spare.pop();
    if (reused !== undefined) return reused;
    this.allocatedChunks += 1;
    return Buffer.allocUnsafe(this.chunkSize);
  }

  private giveBack(buf: Buffer): void {
    // Chunks allocated past the budget (one message may overshoot it) are left to the GC.
    if (this.allocatedChunks > this.maxChunks) this.allocatedChunks -= 1;
    else this.spare.push(buf);
  }
}
