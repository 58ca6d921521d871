import { closeSync, constants, fchmodSync, lstatSync, mkdirSync, openSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ValidationError } from '../errors.js';
import { errnoOf, fileSystemError } from '../fs/fs-error.js';
import { isTablespaceLink, isWalDirectory } from './backup-links.js';
import { canonicalizePath } from './canonical-path.js';
import { OutputFile } from '../fs/output-file.js';
import type { SyncQueue } from '../fs/sync-queue.js';
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
  /** The data directory's archive: the only one where PostgreSQL puts links (pg_tblspc/<oid>). */
  readonly isMainArchive: boolean;
  /** The backup header's tablespace locations (mapped): where tablespace links may point. */
  readonly tablespaceLocations: readonly string[];
  /** Called with each path as it is created (-v -P shows the current file). */
  readonly onPath?: (path: string) => void;
}

// pg_wal may already exist in the data directory: the WAL streamer or --waldir made it (or
// a link to it) before the archive got there. Nothing else may.
const mayPreexist = (relative: string): boolean =>
  isWalDirectory(relative) || isWalDirectory(relative.replace(/\/archive_status$/, ''));

/** Opens a directory for fchmod without following a link in its last component. */
const DIRECTORY_NO_FOLLOW = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

/**
 * Writes a tar stream's members to disk (plain format). Member names were validated by the
 * parser; here links are judged too. Links exist only where PostgreSQL puts them: a
 * tablespace link pg_tblspc/<oid> in the data directory's archive, pointing to an absolute
 * directory (after -T). No member is written through a link, and no mode is set through
 * one: files are created exclusively (O_EXCL), directory modes are set with fchmod on an
 * O_NOFOLLOW descriptor, so a hostile archive cannot chmod (or make setuid) anything
 * outside the output.
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
        this.makeDirectory(relative, path, member.mode);
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

  private makeDirectory(relative: string, path: string, mode: number): void {
    try {
      mkdirSync(path, this.options.directoryMode);
    } catch (error) {
      if (!(errnoOf(error) === 'EEXIST' && this.options.isMainArchive && mayPreexist(relative))) {
        throw fileSystemError(error, 'create directory', path);
      }
    }
    let fd: number;
    try {
      fd = openSync(path, DIRECTORY_NO_FOLLOW);
    } catch (error) {
      // The name is a link (ELOOP, or ENOTDIR with O_DIRECTORY). Only pg_wal may be one
      // (--waldir made it before the archive came), and its target's mode is not the
      // archive's to set.
      const isWalLink = this.options.isMainArchive && isWalDirectory(relative) &&
        lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink() === true;
      if (isWalLink) return;
      throw fileSystemError(error, 'open directory', path);
    }
    try {
      fchmodSync(fd, mode & 0o7777);
    } catch (error) {
      throw fileSystemError(error, 'set permissions on directory', path);
    } finally {
      closeSync(fd);
    }
  }

  private makeLink(relative: string, path: string, target: string): void {
    if (!this.options.isMainArchive || !isTablespaceLink(relative)) {
      throw new ValidationError(
        'tar-link-member',
        `tar member "${relative}" is a symbolic link: PostgreSQL sends links only as pg_tblspc/<oid>`,
      );
    }
    const mapped = this.options.mapLinkTarget(target);
    if (!mapped.startsWith('/')) {
      throw new ValidationError('tar-link-target', `link target has unsafe path name: "${target}"`);
    }
    if (!this.options.tablespaceLocations.includes(mapped)) {
      throw new ValidationError(
        'tar-link-target',
        `tablespace link "${relative}" points to "${target}", which is not a tablespace in the backup header`,
      );
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
