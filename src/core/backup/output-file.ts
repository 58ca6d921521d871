import { closeSync, fchmodSync, openSync, writeSync } from 'node:fs';
import { fileSystemError } from '../fs/fs-error.js';
import type { SyncQueue } from './sync-queue.js';

const COALESCE_BYTES = 1024 * 1024;
/** Start writing back a large file every this many bytes, overlapping the flush. */
const EARLY_FLUSH_BYTES = 64 * 1024 * 1024;

/**
 * A file being written from the stream: small chunks are gathered into 1 MB writes, large
 * files are flushed to disk in the background as they grow, and on close the descriptor goes
 * to the sync queue. Created exclusively: an existing file (or a planted symlink) is never
 * written through.
 */
export class OutputFile {
  /** Allocated on first use, no larger than the file is expected to be. */
  private buffer: Buffer | undefined;
  private used = 0;
  private sinceFlush = 0;
  private earlyFlush: Promise<void> | undefined;
  private closed = false;
  written = 0;

  private constructor(
    readonly path: string,
    private readonly fd: number,
    private readonly queue: SyncQueue,
    private readonly expectedSize: number,
  ) {}

  /**
   * `exactMode` is applied with fchmod after creation, bypassing the umask: extracted files
   * get the mode the server's tar header gives them, as pg_basebackup does.
   */
  static create(
    path: string,
    mode: number,
    queue: SyncQueue,
    exactMode?: number,
    expectedSize = COALESCE_BYTES,
  ): OutputFile {
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
    return new OutputFile(path, fd, queue, expectedSize);
  }

  write(chunk: Uint8Array): void {
    const capacity = Math.min(COALESCE_BYTES, Math.max(this.expectedSize, 1));
    if (chunk.length >= capacity) {
      this.flushBuffer();
      this.writeOut(chunk);
      return;
    }
    if (this.used + chunk.length > capacity) this.flushBuffer();
    this.buffer ??= Buffer.allocUnsafe(capacity);
    this.buffer.set(chunk, this.used);
    this.used += chunk.length;
  }

  /** Writes everything out and hands the file to the sync queue. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.flushBuffer();
    // Never close a descriptor a background flush may still be using.
    if (this.earlyFlush !== undefined) await this.earlyFlush;
    await this.queue.add(this.fd, this.path);
  }

  /** After a failure: close without syncing. */
  abandon(): void {
    if (this.closed) return;
    this.closed = true;
    void (this.earlyFlush ?? Promise.resolve())
      .then(() => this.queue.add(this.fd, this.path))
      .catch(() => undefined);
  }

  private flushBuffer(): void {
    if (this.used === 0 || this.buffer === undefined) return;
    this.writeOut(this.buffer.subarray(0, this.used));
    this.used = 0;
  }

  private writeOut(data: Uint8Array): void {
    let offset = 0;
    try {
      while (offset < data.length) offset += writeSync(this.fd, data, offset, data.length - offset);
    } catch (error) {
      throw fileSystemError(error, 'write to file', this.path);
    }
    this.written += data.length;
    this.sinceFlush += data.length;
    if (this.sinceFlush >= EARLY_FLUSH_BYTES && this.earlyFlush === undefined && this.queue.enabled) {
      this.sinceFlush = 0;
      this.earlyFlush = new Promise((resolve) => {
        this.queue.flushEarly(this.fd, this.path, () => {
          this.earlyFlush = undefined;
          resolve();
        });
      });
    }
  }
}
