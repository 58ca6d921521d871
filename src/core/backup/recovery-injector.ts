import { type TarMember, createTarHeader } from './tar-format.js';
import type { TarHandler } from './tar-parser.js';
import { injectFile } from './tar-rewriter.js';

/**
 * -R: on the way through the main archive (to the extractor or the tar rewriter), appends the recovery settings to
 * postgresql.auto.conf (adding the file if the server sent none), drops any standby.signal
 * and adds an empty one at the end. Before PostgreSQL 12 it replaces recovery.conf instead.
 */
export class RecoveryInjector implements TarHandler {
  private skipping = false;
  private extending: TarMember | undefined;
  private foundAutoConf = false;

  constructor(
    private readonly next: TarHandler,
    private readonly contents: Buffer,
    private readonly gucSupported: boolean,
    /** Mode of the files this adds (from the server's data_directory_mode). */
    private readonly fileMode: number,
  ) {}

  memberStart(member: TarMember, header: Buffer): void | Promise<void> {
    this.skipping = this.gucSupported ? member.name === 'standby.signal' : member.name === 'recovery.conf';
    if (this.skipping) return undefined;
    if (this.gucSupported && member.name === 'postgresql.auto.conf') {
      this.foundAutoConf = true;
      const grown: TarMember = {
        ...member,
        size: member.size + this.contents.length,
        mtime: Math.floor(Date.now() / 1000),
      };
      this.extending = grown;
      return this.next.memberStart(grown, createTarHeader(grown));
    }
    return this.next.memberStart(member, header);
  }

  memberData(member: TarMember, chunk: Buffer): void | Promise<void> {
    if (this.skipping) return undefined;
    return this.next.memberData(this.extending ?? member, chunk);
  }

  async memberEnd(member: TarMember): Promise<void> {
    if (this.skipping) {
      this.skipping = false;
      return;
    }
    const grown = this.extending;
    this.extending = undefined;
    if (grown === undefined) {
      await this.next.memberEnd(member);
      return;
    }
    await this.next.memberData(grown, this.contents);
    await this.next.memberEnd(grown);
  }

  async archiveEnd(): Promise<void> {
    if (this.gucSupported) {
      if (!this.foundAutoConf) await injectFile(this.next, 'postgresql.auto.conf', this.contents, this.fileMode);
      await injectFile(this.next, 'standby.signal', Buffer.alloc(0), this.fileMode);
    } else {
      await injectFile(this.next, 'recovery.conf', this.contents, this.fileMode);
    }
    await this.next.archiveEnd();
  }
}
