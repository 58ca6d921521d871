/**
 * Reads a plain socket into buffers chosen here (net's `onread` option) instead of the fresh
 * 64 kB that Node allocates for every read. Fresh memory is the cost of a short WAL stream:
 * a 16 MB segment arrives in ~260 reads, each faulting in new pages that the kernel zeroes
 * first, and V8 frees none of them before the run ends (docs/dev/performance.md, "Socket
 * reads into reused buffers"). TLS sockets keep Node's reads: node:tls has no `onread`.
 *
 * A buffer is reused only when nothing can still look at it:
 * - a read of under COPY_BELOW bytes (query answers, keepalives) is copied out at once;
 * - while the consumer lends (MessageReader.lending: it is done with a message when it asks
 *   for the next one, as the WAL stream's consumers are), a read is handed over as a view and
 *   its buffer is reused once every message parsed from it has been released;
 * - otherwise a view is handed over and its buffer is never reused (Node's own behaviour).
 */

/** Node's read size for streams. */
const READ_BYTES = 64 * 1024;
/** Reads this small are cheaper to copy than to keep a 64 kB buffer alive for. */
const COPY_BELOW = 4 * 1024;
/** Two buffers alternate while the consumer keeps up; more cover a consumer that waits. */
const POOL_SIZE = 4;

/** What the socket's reads are handed to (the MessageChannel). */
export interface MessageReader {
  /** Parses a chunk; with `lending` its messages may be views of a buffer reused later. */
  receive(chunk: Buffer): void;
  /** Whether messages parsed now are released when the consumer asks for the next one. */
  readonly lending: boolean;
  /** How many messages have been parsed so far: the mark of a buffer just read. */
  readonly parsedCount: number;
  /** True once every message up to `mark` has been released by the consumer. */
  releasedUpTo(mark: number): boolean;
}

interface Slot {
  readonly buffer: Buffer;
  /** Messages parsed through this buffer's last read; undefined: nothing refers to it. */
  mark: number | undefined;
}

export class SocketReads {
  private reader: MessageReader | undefined;
  /** Chunks that arrived before a reader was attached (copies). */
  private early: Buffer[] = [];
  private readonly pool: Slot[] = [];
  private reading: Slot | undefined;

  /** The `onread` option of net.connect(). */
  get onread(): { buffer: () => Buffer; callback: (bytes: number, buffer: Uint8Array) => boolean } {
    return { buffer: () => this.nextBuffer(), callback: (bytes) => this.delivered(bytes) };
  }

  attach(reader: MessageReader): void {
    this.reader = reader;
    for (const chunk of this.early.splice(0)) reader.receive(chunk);
  }

  /**
   * The consumer stopped lending: messages it has not released may be kept from now on, so
   * their buffers leave the pool for good.
   */
  lendingEnded(): void {
    const reader = this.reader;
    for (let i = this.pool.length - 1; i >= 0; i -= 1) {
      const slot = this.pool[i] as Slot;
      if (slot.mark === undefined) continue;
      if (reader !== undefined && reader.releasedUpTo(slot.mark)) slot.mark = undefined;
      else this.pool.splice(i, 1);
    }
  }

  private delivered(bytes: number): boolean {
    const slot = this.reading as Slot;
    const reader = this.reader;
    if (reader === undefined || bytes < COPY_BELOW) {
      const copy = Buffer.from(slot.buffer.subarray(0, bytes));
      if (reader === undefined) this.early.push(copy);
      else reader.receive(copy);
      return true;
    }
    const lending = reader.lending;
    reader.receive(slot.buffer.subarray(0, bytes));
    if (lending && reader.lending) {
      slot.mark = reader.parsedCount;
    } else {
      // Views of it may be kept for as long as the consumer likes.
      const at = this.pool.indexOf(slot);
      if (at >= 0) this.pool.splice(at, 1);
      this.reading = undefined;
    }
    return true;
  }

  /** Called by net before the first read and after each one: where the next read goes. */
  private nextBuffer(): Buffer {
    const current = this.reading;
    if (current !== undefined && this.isFree(current)) return current.buffer;
    let slot = this.pool.find((candidate) => this.isFree(candidate));
    if (slot === undefined) {
      slot = { buffer: Buffer.allocUnsafeSlow(READ_BYTES), mark: undefined };
      if (this.pool.length < POOL_SIZE) this.pool.push(slot);
    }
    slot.mark = undefined;
    this.reading = slot;
    return slot.buffer;
  }

  private isFree(slot: Slot): boolean {
    if (slot.mark === undefined) return true;
    return this.reader !== undefined && this.reader.lending && this.reader.releasedUpTo(slot.mark);
  }
}
