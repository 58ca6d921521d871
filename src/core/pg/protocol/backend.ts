import { ProtocolError } from '../../errors.js';
import {
  decodeBackendMessage,
  isKnownBackendType,
  isLongMessageType,
  unknownType,
} from './backend-decode.js';
import type { BackendMessage } from './messages.js';

/** PostgreSQL never sends more than MaxAllocSize (1 GB) in one message. */
export const MAX_MESSAGE_LENGTH = 0x3fff_ffff;
/** libpq's limit for message types that are never long; past it the stream is out of sync. */
export const MAX_SMALL_MESSAGE_LENGTH = 30_000;

const HEADER_SIZE = 5;

const ParserState = {
  /** Collecting the type byte and the int32 length. */
  header: 'header',
  /** Collecting `bodyLength` bytes into an owned buffer. */
  body: 'body',
  /** A protocol error happened: the stream is unusable from here on. */
  failed: 'failed',
} as const;
type ParserState = (typeof ParserState)[keyof typeof ParserState];

/**
 * Resumable parser of the backend message stream. Chunks may split a message at any byte or
 * hold many messages. A message that lies whole inside one chunk is decoded in place, so its
 * buffers are views of that chunk: no copy, no allocation per message, which is most of
 * what receiving a base backup or WAL costs in JavaScript. The feeder must therefore never
 * reuse a chunk (Node's socket 'data' chunks are fresh every time). Only a message split
 * across chunks is gathered into a buffer of its own.
 */
export class BackendParser {
  private state: ParserState = ParserState.header;
  private readonly header = Buffer.alloc(HEADER_SIZE);
  private headerFilled = 0;
  private type = '';
  private body: Buffer = Buffer.alloc(0);
  private bodyFilled = 0;

  /** Bytes received that do not yet form a complete message. */
  get pendingBytes(): number {
    if (this.state === ParserState.header) return this.headerFilled;
    if (this.state === ParserState.body) return HEADER_SIZE + this.bodyFilled;
    return 0;
  }

  /** True between messages: a clean place for the stream to end. */
  get atMessageBoundary(): boolean {
    return this.state === ParserState.header && this.headerFilled === 0;
  }

  feed(input: Uint8Array): BackendMessage[] {
    if (this.state === ParserState.failed) {
      throw new ProtocolError('Cannot decode server message: the stream already failed');
    }
    const chunk = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    const messages: BackendMessage[] = [];
    let offset = 0;
    try {
      while (offset < chunk.length) {
        if (this.state === ParserState.header && this.headerFilled === 0 && chunk.length - offset >= HEADER_SIZE) {
          // The common case: a header at hand, and often the whole body after it.
          const type = String.fromCharCode(chunk[offset] ?? 0);
          const bodyLength = checkedBodyLength(type, chunk.readInt32BE(offset + 1));
          const start = offset + HEADER_SIZE;
          if (chunk.length - start >= bodyLength) {
            messages.push(decodeBackendMessage(type, chunk.subarray(start, start + bodyLength)));
            offset = start + bodyLength;
            continue;
          }
          this.startBody(type, bodyLength);
          offset = start;
        } else if (this.state === ParserState.header) {
          const take = Math.min(HEADER_SIZE - this.headerFilled, chunk.length - offset);
          this.header.set(chunk.subarray(offset, offset + take), this.headerFilled);
          this.headerFilled += take;
          offset += take;
          if (this.headerFilled === HEADER_SIZE) {
            const type = String.fromCharCode(this.header[0] ?? 0);
            this.startBody(type, checkedBodyLength(type, this.header.readInt32BE(1)));
            // A zero-length body is complete the moment its header is.
            if (this.body.length === 0) messages.push(this.finish());
          }
        } else {
          const take = Math.min(this.body.length - this.bodyFilled, chunk.length - offset);
          this.body.set(chunk.subarray(offset, offset + take), this.bodyFilled);
          this.bodyFilled += take;
          offset += take;
          if (this.bodyFilled === this.body.length) messages.push(this.finish());
        }
      }
    } catch (error) {
      this.state = ParserState.failed;
      throw error;
    }
    return messages;
  }

  /** A message continues past this chunk: gather its body into a buffer of its own. */
  private startBody(type: string, bodyLength: number): void {
    this.type = type;
    this.headerFilled = HEADER_SIZE;
    this.body = Buffer.allocUnsafe(bodyLength);
    this.bodyFilled = 0;
    this.state = ParserState.body;
  }

  private finish(): BackendMessage {
    const message = decodeBackendMessage(this.type, this.body);
    this.state = ParserState.header;
    this.headerFilled = 0;
    this.body = Buffer.alloc(0);
    this.bodyFilled = 0;
    return message;
  }
}

/** Validates a message header as soon as it arrives; returns the body length. */
const checkedBodyLength = (type: string, length: number): number => {
  if (!isKnownBackendType(type)) throw unknownType(type);
  if (length < 4 || length > MAX_MESSAGE_LENGTH) {
    throw new ProtocolError(`Cannot decode server message '${type}': invalid length ${length}`);
  }
  if (length > MAX_SMALL_MESSAGE_LENGTH && !isLongMessageType(type)) {
    throw new ProtocolError(`Cannot decode server message '${type}': length ${length} is too long for its type`);
  }
  return length - 4;
};
