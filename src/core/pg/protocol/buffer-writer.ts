/**
 * Builds one frontend message. The 5-byte header (type + int32 length) is reserved up front
 * and filled in by `flush`, so callers never compute lengths by hand. Each message gets its
 * own writer: a shared module-level writer would let two messages clobber each other.
 */
export class BufferWriter {
  private static readonly headerSize = 5;
  private buffer: Buffer;
  private offset = BufferWriter.headerSize;

  constructor(initialSize = 256) {
    this.buffer = Buffer.allocUnsafe(Math.max(initialSize, 16) + BufferWriter.headerSize);
  }

  int8(value: number): this {
    this.ensure(1);
    this.offset = this.buffer.writeUInt8(value, this.offset);
    return this;
  }

  int16(value: number): this {
    this.ensure(2);
    this.offset = this.buffer.writeInt16BE(value, this.offset);
    return this;
  }

  int32(value: number): this {
    this.ensure(4);
    this.offset = this.buffer.writeInt32BE(value, this.offset);
    return this;
  }

  /** Unsigned 64-bit (LSNs). */
  uint64(value: bigint): this {
    this.ensure(8);
    this.offset = this.buffer.writeBigUInt64BE(value, this.offset);
    return this;
  }

  /** Signed 64-bit (timestamps). */
  int64(value: bigint): this {
    this.ensure(8);
    this.offset = this.buffer.writeBigInt64BE(value, this.offset);
    return this;
  }

  cstring(value: string): this {
    const length = Buffer.byteLength(value, 'utf8');
    this.ensure(length + 1);
    this.offset += this.buffer.write(value, this.offset, 'utf8');
    this.buffer[this.offset++] = 0;
    return this;
  }

  bytes(value: Uint8Array): this {
    this.ensure(value.length);
    this.buffer.set(value, this.offset);
    this.offset += value.length;
    return this;
  }

  /** A typed message: type byte, int32 length (counting itself), body. */
  flush(type: string): Buffer {
    const code = type.charCodeAt(0);
    this.buffer[0] = code;
    this.buffer.writeInt32BE(this.offset - 1, 1);
    return this.buffer.subarray(0, this.offset);
  }

  /** An untyped message (StartupMessage, SSLRequest): int32 length, body. */
  flushUntyped(): Buffer {
    this.buffer.writeInt32BE(this.offset - 1, 1);
    return this.buffer.subarray(1, this.offset);
  }

  private ensure(extra: number): void {
    const needed = this.offset + extra;
    if (needed <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(needed, this.buffer.length * 2));
    this.buffer.copy(grown, 0, 0, this.offset);
    this.buffer = grown;
  }
}
