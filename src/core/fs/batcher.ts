/**
 * Copies input into fixed-size batches: one copy per byte, no concatenation afterwards.
 * Batches given back with release() are used again: a fresh buffer per batch costs a page
 * fault per 4 kB on first touch, which on this kind of machine took longer than compressing
 * the batch with LZ4 (docs/dev/performance.md). Used by the compressing encoders
 * (gzip: batches in flight on the thread pool; LZ4 and zstd: each frame's input) and by
 * archive files (small writes gathered).
 */
export class Batcher {
  private batch: Buffer | undefined;
  private filled = 0;
  private readonly spare: Buffer[] = [];

  constructor(private readonly batchBytes: number, private readonly maxSpare: number) {}

  /** Copies `data` in, calling `full` with each batch that fills up. */
  add(data: Buffer, full: (batch: Buffer) => void): void {
    let offset = 0;
    while (offset < data.length) {
      this.batch ??= this.spare.pop() ?? Buffer.allocUnsafe(this.batchBytes);
      const copied = data.copy(this.batch, this.filled, offset);
      this.filled += copied;
      offset += copied;
      if (this.filled === this.batchBytes) full(this.take() as Buffer);
    }
  }

  /** The partial batch, if any; the batcher starts a new one. */
  take(): Buffer | undefined {
    if (this.batch === undefined || this.filled === 0) return undefined;
    const batch = this.batch.subarray(0, this.filled);
    this.batch = undefined;
    this.filled = 0;
    return batch;
  }

  /** A batch (or a partial one) nothing reads any more: its memory serves the next. */
  release(batch: Buffer): void {
    if (batch.byteOffset !== 0 || batch.buffer.byteLength !== this.batchBytes || this.spare.length >= this.maxSpare) return;
    this.spare.push(Buffer.from(batch.buffer, 0, this.batchBytes));
  }
}
