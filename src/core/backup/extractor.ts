import { chmodSync, mkdirSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ValidationError } from '../errors.js';
import { errnoOf, fileSystemError } from '../fs/fs-error.js';
import { canonicalizePath, isSafeRelativePath } from './canonical-path.js';
import { OutputFile } from './output-file.js';
import type { SyncQueue } from './sync-queue.js';
import { type TarMember, TarMemberType } from './tar-format.js';
import type { TarHandler } from './tar-parser.js';

export interface ExtractorOptions {
  /** Where members land: the data directory, or a tablespace's (mapped) directory. */
  readonly directory: string;
  /** -T applied to symbolic link targets (tablespace links in pg_tblspc). */
  readonly mapLinkTarget: (target: string) => string;
  readonly queue: SyncQueue;
  /** Mode for directories we create before chmod gives them the member's mode. */
  readonly directoryMode: number;
  /** Called with each path as it is created (-v -P shows the current file). */
  readonly onPath?: (path: string) => void;
}

// pg_wal may already exist: the WAL streamer or --waldir made it before the archive got there.
const mayPreexist = (path: string): boolean =>
  /\/(pg_wal|pg_xlog|archive_status)$/.test(path);

const TABLESPACE_LINK = /^pg_tblspc\/[0-9]+$/;

/**
 * Writes a tar stream's members to disk (plain format). Member names were validated by the
 * parser; here links are judged too: a tablespace link in pg_tblspc may point to an absolute
 * directory (after -T), any other link only somewhere inside the output, and no member may
 * be written through a link that an earlier member created.
 */
export class TarExtractor implements TarHandler {
  private file: OutputFile | undefined;
  private readonly links = new Set<string>();

  constructor(private readonly options: ExtractorOptions) {}

  memberStart(member: TarMember): void {
    const relative = canonicalizePath(member.name);
    this.refuseThroughLink(relative);
    const path = join(this.options.directory, relative);
    switch (member.type) {
      case TarMemberType.directory:
        this.makeDirectory(path, member.mode);
        break;
      case TarMemberType.symlink:
        this.makeLink(relative, path, member.linkTarget);
        break;
      case TarMemberType.file:
        this.file = OutputFile.create(path, 0o600, this.options.queue, member.mode & 0o7777);
        break;
    }
    this.options.onPath?.(path);
  }

  memberData(_member: TarMember, chunk: Buffer): Promise<void> | undefined {
    return this.file?.write(chunk);
  }

  async memberEnd(): Promise<void> {
    const file = this.file;
    this.file = undefined;
    if (file !== undefined) await file.close();
  }

  archiveEnd(): void {
    // Nothing is buffered beyond the current member, which memberEnd closed.
  }

  /** After a failure: let go of an open file without waiting for it. */
  abandon(): void {
    this.file?.abandon();
    this.file = undefined;
  }

  private makeDirectory(path: string, mode: number): void {
    try {
      mkdirSync(path, this.options.directoryMode);
    } catch (error) {
      if (!(errnoOf(error) === 'EEXIST' && mayPreexist(path))) {
        throw fileSystemError(error, 'create directory', path);
      }
    }
    try {
      chmodSync(path, mode & 0o7777);
    } catch (error) {
      throw fileSystemError(error, 'set permissions on directory', path);
    }
  }

  private makeLink(relative: string, path: string, target: string): void {
    const mapped = this.options.mapLinkTarget(target);
    const allowed = TABLESPACE_LINK.test(relative)
      ? mapped.startsWith('/')
      : !mapped.startsWith('/') && isSafeRelativePath(join(dirname(relative), mapped));
    if (!allowed) {
      throw new ValidationError('tar-link-target', `link target has unsafe path name: "${target}"`);
    }
    try {
      symlinkSync(mapped, path);
    } catch (error) {
      throw fileSystemError(error, `create symbolic link to "${mapped}" at`, path);
    }
    this.links.add(relative);
  }

  private refuseThroughLink(relative: string): void {
    for (let at = relative.indexOf('/'); at !== -1; at = relative.indexOf('/', at + 1)) {
      if (this.links.has(relative.slice(0, at))) {
        throw new ValidationError(
          'tar-member-name',
          `tar member has unsafe path name: "${relative}" (it passes through a symbolic link)`,
        );
      }
    }
  }
}
