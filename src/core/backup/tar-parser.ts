import { ValidationError } from '../errors.js';
import { TAR_BLOCK_SIZE, type TarMember, parseTarHeader, tarPadding } from './tar-format.js';

/** What a parsed archive turns into. Chunks handed to `data` are only valid during the call. */
export interface TarHandler {
  memberStart(member: TarMember, header: Buffer): void | Promise<void>;
  memberData(member: TarMember, chunk: Buffer): void | Promise<void>;
  memberEnd(member: TarMember): void | Promise<void>;
  archiveEnd(): void | Promise<void>;
}

const State = {
  header: 0,
  contents: 1,
  padding: 2,
  trailer: 3,
} as const;
type State = (typeof State)[keyof typeof State];

/**
 * A resumable tar reader: bytes in any chunking, members out. Headers are validated
 * (checksum, type, safe name) before the handler sees them; the stream must end on a member
 * boundary. Only zero bytes (record padding) may follow the end marker.
 */
export class TarParser {
  private state: State = State.header;
  private readonly headerBuf = Buffer.alloc(TAR_BLOCK_SIZE);
  private headerFill = 0;
  private member: TarMember | undefined;
  private remaining = 0;
  private padRemaining = 0;
  private ended = false;

  constructor(private readonly handler: TarHandler) {}

  async push(chunk: Buffer): Promise<void> {
    let offset = 0;
    while (offset < chunk.length) {
      switch (this.state) {
        case State.header: {
          const take = Math.min(TAR_BLOCK_SIZE - this.headerFill, chunk.length - offset);
          chunk.copy(this.headerBuf, this.headerFill, offset, offset + take);
          this.headerFill += take;
          offset += take;
          if (this.headerFill < TAR_BLOCK_SIZE) return;
          this.headerFill = 0;
          const member = parseTarHeader(this.headerBuf);
          if (member === null) {
            this.state = State.trailer;
            break;
          }
          this.member = member;
          this.remaining = member.size;
          this.padRemaining = tarPadding(member.size);
          const pending = this.handler.memberStart(member, Buffer.from(this.headerBuf));
          if (pending !== undefined) await pending;
          if (this.remaining === 0) await this.finishMember();
          else this.state = State.contents;
          break;
        }
        case State.contents: {
          const take = Math.min(this.remaining, chunk.length - offset);
          const pending = this.handler.memberData(
            this.member as TarMember,
            chunk.subarray(offset, offset + take),
          );
          if (pending !== undefined) await pending;
          offset += take;
          this.remaining -= take;
          if (this.remaining === 0) {
            if (this.padRemaining > 0) this.state = State.padding;
            else await this.finishMember();
          }
          break;
        }
        case State.padding: {
          const take = Math.min(this.padRemaining, chunk.length - offset);
          offset += take;
          this.padRemaining -= take;
          if (this.padRemaining === 0) await this.finishMember();
          break;
        }
        case State.trailer: {
          // tar programs pad archives to whole records with zeros; anything else is foreign.
          const rest = chunk.subarray(offset);
          if (rest.some((b) => b !== 0)) {
            throw new ValidationError('tar-trailer', 'Cannot read archive: data after the end-of-archive marker');
          }
          return;
        }
      }
    }
  }

  /** The stream is over: it must not stop inside a member. */
  async end(): Promise<void> {
    if (this.ended) return;
    if (this.state !== State.trailer && (this.state !== State.header || this.headerFill > 0)) {
      throw new ValidationError('tar-truncated', 'COPY stream ended before last file was finished');
    }
    this.ended = true;
    const pending = this.handler.archiveEnd();
    if (pending !== undefined) await pending;
  }

  /** True once the all-zero end marker has been read. */
  get sawEndMarker(): boolean {
    return this.state === State.trailer;
  }

  private async finishMember(): Promise<void> {
    const member = this.member as TarMember;
    this.member = undefined;
    this.state = State.header;
    const pending = this.handler.memberEnd(member);
    if (pending !== undefined) await pending;
  }
}
