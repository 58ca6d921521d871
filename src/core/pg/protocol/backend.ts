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
  /** Passing the rest of a CopyData message on as it arrives, `pieceRemaining` bytes to go. */
  piece: 'piece',
  /** A protocol error happened: the stream is unusable from here on. */
  failed: 'failed',
} as const;
type ParserState = (typeof ParserState)[keyof typeof ParserState];

/**
 * Which CopyData messages split across chunks are passed on in pieces (a copyData with the
 * bytes at hand, then copyDataPiece messages) instead of gathered into a buffer of their own:
 * - 'off': none (every consumer that decodes a CopyData payload as one unit);
 * - 'any': all (a stream of bytes without message boundaries: raw tar before PostgreSQL 15);
 * - 'typedData': those whose payload starts with 'd' and whose first piece holds more than
 *   that byte (BASE_BACKUP's archive data on 15+; its 'n', 'p' and 'm' messages are gathered);
 * - 'xlogData': those whose payload starts with 'w' and whose first piece holds more than
 *   XLogData's 25-byte header (START_REPLICATION's WAL; keepalives are gathered).
 * A base backup sends 32 kB messages, a walsender up to 128 kB, and Node reads 64 kB at a
 * time: gathering copies about half of a backup's bytes, and all of the WAL, once more into
 * fresh memory, whose first touch costs more than the copy (docs/dev/performance.md).
 */
export type CopyDataPieces = 'off' | 'any' | 'typedData' | 'xlogData';

const TYPED_DATA = 0x64; // 'd'
const XLOG_DATA = 0x77; // 'w'
/** 'w', then dataStart, walEnd and sendTime (8 bytes each). */
const XLOG_DATA_HEADER_SIZE = 25;

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
  private pieceRemaining = 0;
  /** See CopyDataPieces; a consumer sets it before the command whose data it reads. */
  copyDataPieces: CopyDataPieces = 'off';

  /** Bytes received that do not yet form a complete message. */
  get pendingBytes(): number {
    if (this.state === ParserState.header) return this.headerFilled;
    if (this.state === ParserState.body) return HEADER_SIZE + this.bodyFilled;
    if (this.state === ParserState.piece) return HEADER_SIZE;
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
          if (this.passesInPieces(type, chunk, start)) {
            // The first piece: a CopyData of what is here; the rest follows as pieces.
            messages.push(decodeBackendMessage(type, chunk.subarray(start)));
            this.pieceRemaining = bodyLength - (chunk.length - start);
            this.state = ParserState.piece;
            offset = chunk.length;
            continue;
          }
          this.startBody(type, bodyLength);
          offset = start;
        } else if (this.state === ParserState.piece) {
          const take = Math.min(this.pieceRemaining, chunk.length - offset);
          messages.push({ type: 'copyDataPiece', data: chunk.subarray(offset, offset + take) });
          this.pieceRemaining -= take;
          offset += take;
          // Pieces start only from a whole header at hand (headerFilled stayed 0).
          if (this.pieceRemaining === 0) this.state = ParserState.header;
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

  /** Whether the message starting at `start` (and continuing past this chunk) goes in pieces. */
  private passesInPieces(type: string, chunk: Buffer, start: number): boolean {
    if (type !== 'd' || this.copyDataPieces === 'off') return false;
    if (this.copyDataPieces === 'any') return chunk.length > start;
    if (this.copyDataPieces === 'xlogData') return chunk.length - start > XLOG_DATA_HEADER_SIZE && chunk[start] === XLOG_DATA;
    return chunk.length - start > 1 && chunk[start] === TYPED_DATA;
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
