import type { ByteSink } from './byte-sink.js';
import { TAR_TRAILER_SIZE, type TarMember, TarMemberType, createTarHeader, tarPadding } from './tar-format.js';
import type { TarHandler } from './tar-parser.js';

const ZEROS = Buffer.alloc(TAR_TRAILER_SIZE);

/** uid/gid PostgreSQL gives files it adds to an archive (historical values). */
export const INJECTED_UID = 0o4000;
export const INJECTED_GID = 0o2000;

/**
 * Writes parsed members back out as a tar archive, so files can be added or changed on the
 * way through (-R, backup_manifest on standard output). Unchanged members keep their
 * original header bytes; the archive always ends with two zero blocks.
 */
export class TarRewriter implements TarHandler {
  constructor(private readonly sink: ByteSink) {}

  memberStart(_member: TarMember, header: Buffer): void | Promise<void> {
    return this.sink.write(header);
  }

  memberData(_member: TarMember, chunk: Buffer): void | Promise<void> {
    return this.sink.write(chunk);
  }

  memberEnd(member: TarMember): void | Promise<void> {
    const padding = tarPadding(member.size);
    return padding === 0 ? undefined : this.sink.write(ZEROS.subarray(0, padding));
  }

  async archiveEnd(): Promise<void> {
    await this.sink.write(ZEROS);
  }

  /** Adds a regular file with the given content (header, content, padding). */
  injectFile(name: string, content: Buffer, mode: number): Promise<void> {
    return injectFile(this, name, content, mode);
  }
}

/** Hands a whole new member to any tar handler (a rewriter writes it, an extractor creates it). */
export const injectFile = async (handler: TarHandler, name: string, content: Buffer, mode: number): Promise<void> => {
  const member = injectedMember(name, content.length, mode);
  await handler.memberStart(member, createTarHeader(member));
  if (content.length > 0) await handler.memberData(member, content);
  await handler.memberEnd(member);
};

export const injectedMember = (name: string, size: number, mode: number): TarMember => ({
  name,
  type: TarMemberType.file,
  size,
  mode,
  uid: INJECTED_UID,
  gid: INJECTED_GID,
  mtime: Math.floor(Date.now() / 1000),
  linkTarget: '',
});
