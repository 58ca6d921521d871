import { closeSync, constants, fchmodSync, ftruncateSync, lstatSync, openSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ValidationError } from '../errors.js';
import { fileSystemError, noProgressError, withFsError, withFsErrorSync } from '../fs/fs-error.js';
import { fdatasyncFd, fsyncFd, writevFd } from '../fs/fd-ops.js';
import { fsyncDirectory } from '../fs/sync.js';

/**
 * One WAL segment being received into `<name>.partial` (pg_receivewal's layout). The
 * file becomes `<name>` only once it holds the whole segment and is on disk.
 */
export interface SegmentFile {
  /** Final name, with any compression suffix ("000000010000000000000003.gz"). */
  readonly name: string;
  /** The name while incomplete ("….partial"). */
  readonly partialName: string;
  /** Whether sync() may run while writes continue (positioned writes into a pre-sized file). */
  readonly concurrentSync: boolean;
  /** Writes WAL bytes that start at `offset` inside the segment. */
  write(chunks: readonly Buffer[], offset: number): Promise<void>;
  /** The same, at once on the calling thread (plain files: a write into the page cache). */
  readonly writeNow?: (data: Buffer, offset: number) => void;
  /** Makes every byte written so far durable. */
  sync(): Promise<void>;
  /** Segment complete: make it durable and give it its final name (fsync, rename, dir fsync). */
  complete(): Promise<void>;
  /** Stop here: keep `.partial`, durable (pg_receivewal's "not renaming"). */
  keepPartial(): Promise<void>;
  /** After a failure: close without waiting for anything more, best effort. */
  abandon(): Promise<void>;
}

export interface SegmentFileOptions {
  readonly dir: string;
  /** Segment name without suffixes (24 hex digits). */
  readonly segmentName: string;
  readonly segSize: number;
  /** --no-sync turns every fsync into a no-op. */
  readonly sync: boolean;
  /** File mode from the server's data_directory_mode (0600 or 0640). */
  readonly mode: number;
}

export const PARTIAL_SUFFIX = '.partial';

/** A name we would write that is a link, a directory or anything but a regular file. */
export const notRegularFile = (name: string): ValidationError =>
  new ValidationError('wal-not-regular-file', `"${name}" is not a regular file; WAL is never written through it`, {
    hint: 'Something other than a WAL receiver put it there. Move it away.',
  });

const sizeError = (name: string, size: number, segSize: number): ValidationError =>
  new ValidationError(
    'wal-partial-size',
    `write-ahead log file "${name}" has ${size} ${size === 1 ? 'byte' : 'bytes'}, should be 0 or ${segSize}`,
    { hint: 'The file is not one this receiver left behind. Move it away to stream that segment again.' },
  );

/**
 * Opens `<segment>.partial` for plain (uncompressed) WAL. A new file is pre-sized to a whole
 * segment: its unwritten bytes read as zeros, exactly what pg_receivewal's zero-fill leaves,
 * without writing every segment twice. An existing file must be empty or one segment long
 * (what a crash can leave); anything else is refused.
 *
 * The look, the open, the size and the mode are calls of microseconds, made here: while a
 * segment streams in, the event loop serves the socket first (up to 32 reads per wake-up), so
 * each of them as a trip through the thread pool waited tens of milliseconds behind the data
 * it was opening the file for. The fsyncs that make the file's creation durable go with its
 * first sync() instead, before any position it covers is reported.
 */
export async function openPlainSegmentFile(options: SegmentFileOptions): Promise<SegmentFile> {
  const { dir, segmentName, segSize, sync, mode } = options;
  const partialName = `${segmentName}${PARTIAL_SUFFIX}`;
  const partialPath = join(dir, partialName);
  const finalPath = join(dir, segmentName);
  const existing = withFsErrorSync('stat write-ahead log file', partialPath, () =>
    lstatSync(partialPath, { throwIfNoEntry: false }),
  );
  if (existing !== undefined && !existing.isFile()) throw notRegularFile(partialName);
  if (existing !== undefined && existing.size !== 0 && existing.size !== segSize) {
    throw sizeError(partialName, existing.size, segSize);
  }
  // Never through a link: a new file exclusively, an existing one with O_NOFOLLOW (a link
  // planted between the look and the open fails instead of taking our WAL elsewhere).
  const fd = withFsErrorSync('open write-ahead log file', partialPath, () =>
    openSync(partialPath, existing === undefined ? 'wx' : constants.O_RDWR | constants.O_NOFOLLOW, mode),
  );
  try {
    if (existing === undefined || existing.size === 0) {
      withFsErrorSync('pre-size write-ahead log file', partialPath, () => ftruncateSync(fd, segSize));
      withFsErrorSync('set mode of write-ahead log file', partialPath, () => fchmodSync(fd, mode));
    }
  } catch (error) {
    closeQuietly(fd);
    throw error;
  }
  return new PlainSegmentFile(fd, dir, segmentName, partialName, partialPath, finalPath, sync);
}

class PlainSegmentFile implements SegmentFile {
  readonly concurrentSync = true;
  private closed = false;
  /**
   * Whether the file's existence and size are on disk: not until the first sync, which then
   * fsyncs the file (not only its data) and the directory. An existing file may also hold
   * bytes a crash left only in the page cache of a previous run: that fsync covers them.
   */
  private creationDurable = false;

  constructor(
    private readonly fd: number,
    private readonly dir: string,
    readonly name: string,
    readonly partialName: string,
    private readonly partialPath: string,
    private readonly finalPath: string,
    private readonly doSync: boolean,
  ) {}

  async write(chunks: readonly Buffer[], offset: number): Promise<void> {
    let pending = [...chunks];
    let position = offset;
    while (pending.length > 0) {
      const bytesWritten = await withFsError('write to write-ahead log file', this.partialPath, () =>
        writevFd(this.fd, pending, position),
      );
      if (bytesWritten === 0) throw fileSystemError(noProgressError(), 'write to write-ahead log file', this.partialPath);
      position += bytesWritten;
      pending = dropBytes(pending, bytesWritten);
    }
  }

  readonly writeNow = (data: Buffer, offset: number): void => {
    let done = 0;
    while (done < data.length) {
      done += withFsErrorSync('write to write-ahead log file', this.partialPath, () => {
        const wrote = writeSync(this.fd, data, done, data.length - done, offset + done);
        if (wrote === 0) throw noProgressError();
        return wrote;
      });
    }
  };

  async sync(): Promise<void> {
    await this.syncFile({ directory: true });
  }

  /**
   * fdatasync once the creation is durable; before that fsync, and with `directory` the
   * directory too. complete() leaves the directory to the fsync after its rename.
   */
  private async syncFile({ directory }: { readonly directory: boolean }): Promise<void> {
    if (!this.doSync || this.closed) return;
    if (this.creationDurable) {
      await withFsError('fsync write-ahead log file', this.partialPath, () => fdatasyncFd(this.fd));
      return;
    }
    await withFsError('fsync write-ahead log file', this.partialPath, () => fsyncFd(this.fd));
    if (!directory) return;
    await fsyncDirectory(this.dir, { sync: true });
    this.creationDurable = true;
  }

  async complete(): Promise<void> {
    // The rename's directory fsync makes the file's name durable: no fsync of `.partial`'s.
    await this.closeDurably({ directory: false });
    // Synchronous, as closing: microseconds each, where a trip through the thread pool waits
    // behind the event loop at the end of every segment. Only fsyncs go to the pool.
    withFsErrorSync('rename file', `${this.partialPath}" to "${this.finalPath}`, () =>
      renameSync(this.partialPath, this.finalPath),
    );
    await fsyncDirectory(this.dir, { sync: this.doSync });
  }

  async keepPartial(): Promise<void> {
    // Its name has been in the directory since the first sync (or is made durable now).
    await this.closeDurably({ directory: true });
  }

  async abandon(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    closeQuietly(this.fd);
  }

  private async closeDurably(options: { readonly directory: boolean }): Promise<void> {
    if (this.closed) return;
    try {
      await this.syncFile(options);
    } finally {
      this.closed = true;
      closeQuietly(this.fd);
    }
  }
}

/** close(2) on the main thread, errors ignored: the data's fate was settled by the fsync. */
const closeQuietly = (fd: number): void => {
  try {
    closeSync(fd);
  } catch {
    // Ignored, as before: the fsync before it is what says whether the data reached the disk.
  }
};

/** The chunks left after the first `bytes` bytes were written (views, no copies). */
export const dropBytes = (chunks: readonly Buffer[], bytes: number): Buffer[] => {
  const rest: Buffer[] = [];
  let skip = bytes;
  for (const chunk of chunks) {
    if (skip >= chunk.length) {
      skip -= chunk.length;
      continue;
    }
    rest.push(skip === 0 ? chunk : chunk.subarray(skip));
    skip = 0;
  }
  return rest;
};
