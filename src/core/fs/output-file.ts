import { closeSync, fchmodSync, openSync, writeSync } from 'node:fs';
import { fileSystemError, noProgressError } from './fs-error.js';
import type { SyncQueue } from './sync-queue.js';

/** Start writing back a large file every this many bytes, overlapping the flush. */
const EARLY_FLUSH_BYTES = 64 * 1024 * 1024;

/**
 * A file being written from the stream, chunk by chunk as the chunks arrive, like
 * pg_basebackup's fwrite: measured here, a write(2) per 32 kB message beats both gathering
 * into larger writes and handing writes to the thread pool (the copying or the thread hops
 * cost more than the system calls they save). Large files are flushed to disk in the
 * background as they grow, and on close the descriptor goes to the sync queue, which
 * decides by size when the file is synced. Created
 * exclusively: an existing file (or a planted symlink) is never written through.
 */
export class OutputFile {
  private sinceFlush = 0;
  private earlyFlush: Promise<void> | undefined;
  private closed = false;
  written = 0;

  private constructor(
    readonly path: string,
    private readonly fd: number,
    private readonly queue: SyncQueue,
  ) {}

  /**
   * `exactMode` is applied with fchmod after creation, bypassing the umask: extracted files
   * get the mode the server's tar header gives them, as pg_basebackup does.
   */
  static create(path: string, mode: number, queue: SyncQueue, exactMode?: number): OutputFile {
    let fd: number;
    try {
      fd = openSync(path, 'wx', mode);
    } catch (error) {
      throw fileSystemError(error, 'create file', path);
    }
    if (exactMode !== undefined) {
      try {
        fchmodSync(fd, exactMode);
      } catch (error) {
        closeSync(fd);
        throw fileSystemError(error, 'set permissions on file', path);
      }
    }
    return new OutputFile(path, fd, queue);
  }

  write(chunk: Buffer): undefined {
    let offset = 0;
    try {
      while (offset < chunk.length) {
        const done = writeSync(this.fd, chunk, offset, chunk.length - offset);
        if (done === 0) throw noProgressError();
        offset += done;
      }
    } catch (error) {
      throw fileSystemError(error, 'write to file', this.path);
    }
    this.written += chunk.length;
    this.sinceFlush += chunk.length;
    if (this.sinceFlush >= EARLY_FLUSH_BYTES && this.earlyFlush === undefined && this.queue.enabled) {
      this.sinceFlush = 0;
      this.earlyFlush = new Promise((resolve) => {
        this.queue.flushEarly(this.fd, this.path, () => {
          this.earlyFlush = undefined;
          resolve();
        });
      });
    }
    return undefined;
  }

  /** Hands the file to the sync queue (fsync unless -N, then close). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Never close a descriptor a background flush may still be using.
    if (this.earlyFlush !== undefined) await this.earlyFlush;
    await this.queue.add(this.fd, this.path, this.written);
  }

  /** After a failure: close without syncing, once no flush uses the descriptor. */
  abandon(): void {
    if (this.closed) return;
    this.closed = true;
    void (this.earlyFlush ?? Promise.resolve())
      .then(() => this.queue.add(this.fd, this.path, this.written))
      .catch(() => undefined);
  }
}
