import { ProtocolError } from '../../errors.js';

/**
 * A bounds-checked cursor over one message body. Every read checks the remaining length
 * first, so a short or lying message becomes a ProtocolError instead of garbage values.
 */
export class BufferReader {
  private offset = 0;

  constructor(
    private readonly buffer: Buffer,
    private readonly what = 'message',
  ) {}

  get remaining(): number {
    return this.buffer.length - this.offset;
  }

  get position(): number {
    return this.offset;
  }

  int8(): number {
    return this.buffer.readUInt8(this.take(1));
  }

  int16(): number {
    return this.buffer.readInt16BE(this.take(2));
  }

  int32(): number {
    return this.buffer.readInt32BE(this.take(4));
  }

  uint32(): number {
    return this.buffer.readUInt32BE(this.take(4));
  }

  /** Signed 64-bit value (timestamps). */
  int64(): bigint {
    return this.buffer.readBigInt64BE(this.take(8));
  }

  /** Unsigned 64-bit value (LSNs, byte counts). */
  uint64(): bigint {
    return this.buffer.readBigUInt64BE(this.take(8));
  }

  /** A NUL-terminated string, decoded as UTF-8. */
  cstring(): string {
    const end = this.buffer.indexOf(0, this.offset);
    if (end < 0) throw this.overrun('an unterminated string');
    const text = this.buffer.toString('utf8', this.offset, end);
    this.offset = end + 1;
    return text;
  }

  /** `length` bytes as a view into the (already owned) message body. */
  bytes(length: number): Buffer {
    if (length < 0) throw new ProtocolError(`Cannot decode ${this.what}: negative length ${length}`);
    const start = this.take(length);
    return this.buffer.subarray(start, start + length);
  }

  /** Everything that is left. */
  rest(): Buffer {
    return this.bytes(this.remaining);
  }

  /** Decoders call this last: trailing bytes mean we misunderstood the message. */
  end(): void {
    if (this.remaining !== 0) {
      throw new ProtocolError(
        `Cannot decode ${this.what}: ${this.remaining} unexpected trailing byte(s)`,
      );
    }
  }

  private take(length: number): number {
    if (this.remaining < length) throw this.overrun(`${length} byte(s)`);
    const start = this.offset;
    this.offset += length;
    return start;
  }

  private overrun(wanted: string): ProtocolError {
    return new ProtocolError(
      `Cannot decode ${this.what}: needed ${wanted} at offset ${this.offset}, ` +
        `only ${this.remaining} left`,
    );
  }
}
