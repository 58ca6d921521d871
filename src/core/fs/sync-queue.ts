import { closeFd, fdatasyncFd, fsyncFd } from './fd-ops.js';
import { fileSystemError } from './fs-error.js';

/**
 * Makes finished output files durable in the background while the stream goes on: each is
 * fsynced and closed on libuv's thread pool, a few at a time, so flushing overlaps receiving
 * instead of all happening after the last byte (pg_basebackup syncs everything at the end).
 * The first failure is kept and thrown by `drain()`, which the backup awaits before it calls
 * anything complete. With `sync: false` (-N) files are only closed.
 */
export class SyncQueue {
  private readonly waiting: { fd: number; path: string }[] = [];
  private running = 0;
  private failure: Error | undefined;
  private idle: (() => void)[] = [];

  constructor(
    private readonly sync: boolean,
    private readonly concurrency = 4,
    /** Files waiting with their descriptors open; past this, `add` waits. */
    private readonly maxWaiting = 256,
  ) {}

  get enabled(): boolean {
    return this.sync;
  }

  /** Takes ownership of `fd`: it is synced (if enabled) and closed. */
  async add(fd: number, path: string): Promise<void> {
    this.waiting.push({ fd, path });
    this.pump();
    while (this.waiting.length > this.maxWaiting) await this.nextIdle();
  }

  /** Starts writing back what a still-open file holds so far, without waiting for it. */
  flushEarly(fd: number, path: string, done: () => void): void {
    if (!this.sync) {
      done();
      return;
    }
    fdatasyncFd(fd).then(done, (error: unknown) => {
      this.failure ??= fileSystemError(error, 'fsync file', path);
      done();
    });
  }

  /** Waits until every file handed over is synced and closed; throws the first failure. */
  async drain(): Promise<void> {
    while (this.running > 0 || this.waiting.length > 0) await this.nextIdle();
    if (this.failure !== undefined) throw this.failure;
  }

  private nextIdle(): Promise<void> {
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private pump(): void {
    while (this.running < this.concurrency && this.waiting.length > 0) {
      const next = this.waiting.shift() as { fd: number; path: string };
      this.running += 1;
      void this.finish(next.fd, next.path).finally(() => {
        this.running -= 1;
        this.pump();
        const waiters = this.idle;
        this.idle = [];
        for (const wake of waiters) wake();
      });
    }
  }

  private async finish(fd: number, path: string): Promise<void> {
    try {
      if (this.sync) await fsyncFd(fd);
    } catch (error) {
      this.failure ??= fileSystemError(error, 'fsync file', path);
    }
    try {
      await closeFd(fd);
    } catch (error) {
      this.failure ??= fileSystemError(error, 'close file', path);
    }
  }
}
