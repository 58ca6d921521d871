import { closeSync, ftruncateSync, openSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { writevFd } from '../fs/fd-ops.js';
import { fileSystemError, noProgressError } from '../fs/fs-error.js';
import { dropBytes, type SegmentFile, type SegmentFileOptions } from '../wal/segment-file.js';
import { type ByteSink, compressingSink, fileSink } from './byte-sink.js';
import type { CompressionSpec } from '../compression/compression-spec.js';
import type { SyncQueue } from '../fs/sync-queue.js';
import { TAR_TRAILER_SIZE, type TarMember, TarMemberType, createTarHeader, tarPadding } from './tar-format.js';

/**
 * Where -X stream puts WAL: pg_wal/ of a plain backup, or pg_wal.tar of a tar backup. Unlike
 * pg_receivewal, segments carry their final names from the start (no .partial), a complete
 * segment gets archive_status/<name>.done, and nothing is synced until the backup ends.
 */
export interface BackupWalOutput {
  /** For SegmentWriter's openSegment hook. */
  openSegment(options: SegmentFileOptions): Promise<SegmentFile>;
  writeHistoryFile(name: string, content: Buffer): Promise<void>;
  /** Streaming is over: close everything (tar: write the end marker). */
  finish(): Promise<void>;
  abandon(): void;
}

/** pg_wal/ in a plain backup (or the --waldir it links to). */
export const walDirectoryOutput = (dir: string, fileMode: number, queue: SyncQueue): BackupWalOutput => {
  const done = async (name: string): Promise<void> => {
    const path = join(dir, 'archive_status', `${name}.done`);
    let fd: number;
    try {
      fd = openSync(path, 'wx', fileMode);
    } catch (error) {
      throw fileSystemError(error, 'create archive status file', path);
    }
    await queue.add(fd, path, 0);
  };
  const open = new Set<number>();
  return {
    openSegment: async (options) => directorySegment({ dir, fileMode, queue, open, done }, options),
    async writeHistoryFile(name, content) {
      const path = join(dir, name);
      const tmp = `${path}.tmp`;
      try {
        const fd = openSync(tmp, 'wx', fileMode);
        try {
          let at = 0;
          while (at < content.length) at += (await writevFd(fd, [content.subarray(at)], at));
        } finally {
          closeSync(fd);
        }
        renameSync(tmp, path);
      } catch (error) {
        throw fileSystemError(error, 'write timeline history file', path);
      }
      await done(name);
    },
    finish: () => Promise.resolve(),
    abandon() {
      for (const fd of open) closeSync(fd);
      open.clear();
    },
  };
};

/** What a segment of pg_wal/ shares with its directory. */
interface DirectoryWal {
  readonly dir: string;
  readonly fileMode: number;
  readonly queue: SyncQueue;
  /** Descriptors not yet handed to the queue: closed if the backup is abandoned. */
  readonly open: Set<number>;
  /** Writes archive_status/<name>.done. */
  readonly done: (name: string) => Promise<void>;
}

/** One segment file of pg_wal/: written in place, synced with the backup, then marked done. */
const directorySegment = ({ dir, fileMode, queue, open, done }: DirectoryWal, options: SegmentFileOptions): SegmentFile => {
  const path = join(dir, options.segmentName);
  let fd: number;
  try {
    fd = openSync(path, 'wx', fileMode);
    // Pre-sized: the unwritten tail of the last segment reads as zeros, as pg_basebackup's
    // zero-filled files do.
    ftruncateSync(fd, options.segSize);
  } catch (error) {
    throw fileSystemError(error, 'create write-ahead log file', path);
  }
  open.add(fd);
  let closed = false;
  const release = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    open.delete(fd);
    await queue.add(fd, path, options.segSize);
  };
  return {
    name: options.segmentName,
    partialName: options.segmentName,
    concurrentSync: false,
    async write(chunks, offset) {
      let pending = [...chunks];
      let position = offset;
      while (pending.length > 0) {
        let written: number;
        try {
          written = await writevFd(fd, pending, position);
        } catch (error) {
          throw fileSystemError(error, 'write to write-ahead log file', path);
        }
        if (written === 0) {
          throw fileSystemError(noProgressError(), 'write to file', path);
        }
        position += written;
        pending = dropBytes(pending, written);
      }
    },
    sync: () => Promise.resolve(),
    async complete() {
      await release();
      await done(options.segmentName);
    },
    keepPartial: release,
    async abandon() {
      if (!closed) {
        closed = true;
        open.delete(fd);
        closeSync(fd);
      }
    },
  };
};

const walMember = (name: string, size: number): TarMember => ({
  name,
  type: TarMemberType.file,
  size,
  mode: 0o600,
  uid: 0,
  gid: 0,
  mtime: Math.floor(Date.now() / 1000),
  linkTarget: '',
});

/**
 * pg_wal.tar (pg_wal.tar.gz when the backup is gzip-compressed on the client): members
 * written one after another, each segment a full segment long (the unreceived tail is
 * zeros), followed by its archive_status/<name>.done when it was complete.
 */
export const walTarOutput = async (
  path: string,
  fileMode: number,
  compression: CompressionSpec,
  queue: SyncQueue,
): Promise<BackupWalOutput> => {
  const sink: ByteSink = await compressingSink(fileSink(path, fileMode, queue), compression);
  let busy = false;
  const write = async (data: Buffer): Promise<void> => {
    const pending = sink.write(data);
    if (pending !== undefined) await pending;
  };
  const addFile = async (name: string, content: Buffer): Promise<void> => {
    await write(createTarHeader(walMember(name, content.length)));
    if (content.length > 0) await write(content);
    const padding = tarPadding(content.length);
    if (padding > 0) await write(Buffer.alloc(padding));
  };
  return {
    async openSegment(options) {
      if (busy) throw new Error('pg_wal.tar: a segment is already open');
      busy = true;
      const { segmentName: name, segSize } = options;
      await write(createTarHeader(walMember(name, segSize)));
      let written = 0;
      const padOut = async (): Promise<void> => {
        if (!busy) return;
        const zeros = Buffer.alloc(Math.min(segSize - written, 1024 * 1024));
        while (written < segSize) {
          const take = Math.min(zeros.length, segSize - written);
          await write(zeros.subarray(0, take));
          written += take;
        }
        const padding = tarPadding(segSize);
        if (padding > 0) await write(Buffer.alloc(padding));
        busy = false;
      };
      return {
        name,
        partialName: name,
        concurrentSync: false,
        async write(chunks, offset) {
          if (offset !== written) throw new Error('pg_wal.tar: segment data out of order');
          for (const chunk of chunks) {
            await write(chunk);
            written += chunk.length;
          }
        },
        sync: () => Promise.resolve(),
        async complete() {
          await padOut();
          await addFile(`archive_status/${name}.done`, Buffer.alloc(0));
        },
        keepPartial: padOut,
        abandon: async () => {
          busy = false;
        },
      };
    },
    async writeHistoryFile(name, content) {
      await addFile(name, content);
      await addFile(`archive_status/${name}.done`, Buffer.alloc(0));
    },
    async finish() {
      await write(Buffer.alloc(TAR_TRAILER_SIZE));
      await sink.close();
    },
    abandon: () => sink.abandon(),
  };
};
