import { EventEmitter } from 'node:events';
import { ProtocolError } from '../errors.js';
import { openCompressedSegmentFile } from './compressed-segment-file.js';
import { openPlainSegmentFile, type SegmentFile, type SegmentFileOptions } from './segment-file.js';
import { segmentFileName, segmentOffsetOf, segmentStartLsn } from './segment-name.js';
import { WalBuffer, type BufferedRun } from './wal-buffer.js';
import type { PartialKept, SegmentCompleted, SegmentWriterOptions } from './segment-writer-options.js';

/**
 * Writes a received WAL stream into segment files without ever waiting for the disk on the
 * receiving path: bytes of an open plain segment go into the page cache at once (a memory
 * copy, as pg_receivewal does), while fsyncs, renames and directory fsyncs run on the thread
 * pool; during a segment switch, and for compressed files, the bytes wait in a bounded
 * buffer and are written by a background task. Three positions are tracked: `receivedLsn`
 * (accepted), `writtenLsn` (in the page cache) and `flushedLsn` (on disk: the only one ever
 * worth reporting as flushed).
 *
 * Ordering rules that keep a crash at any instant recoverable (the restart rule is "resume
 * at the highest file; at the start of it if it is partial"):
 * - segment N+1's `.partial` is created only after N has its final name on disk, so a
 *   `.partial` is always the newest file of its timeline;
 * - flushedLsn moves only after the fsync (or fsync + rename + directory fsync) covering it.
 * Memory is bounded: past `maxPendingBytes` of unwritten data, append() returns a promise
 * the caller awaits before reading more from the socket.
 */
/** The unit received WAL is copied into: a divisor of every segment size. */
const CHUNK_BYTES = 1024 * 1024;

interface OpenSegment {
  readonly file: SegmentFile;
  readonly start: bigint;
  written: number;
  synced: number;
}

interface SyncWaiter {
  readonly target: bigint;
  readonly resolve: (lsn: bigint) => void;
  readonly reject: (error: unknown) => void;
}

export class SegmentWriter extends EventEmitter<{
  'segment-complete': [SegmentCompleted];
  flushed: [bigint];
}> {
  private timelineId = 0;
  private received = 0n;
  private written = 0n;
  private flushed = 0n;
  private readonly buffer: WalBuffer;
  private current: OpenSegment | undefined;
  private pump: Promise<void> | undefined;
  private backgroundSync: Promise<void> | undefined;
  private roomWaiters: (() => void)[] = [];
  private syncWaiters: SyncWaiter[] = [];
  private writtenWaiters: SyncWaiter[] = [];
  private failure: unknown;
  private readonly batchBytes: number;
  private readonly backgroundBytes: number;

  constructor(private readonly options: SegmentWriterOptions) {
    super();
    // 16 MB absorbs a segment switch (fsync, rename, directory fsyncs) at disk speed.
    const maxPending = options.maxPendingBytes ?? 16 * 1024 * 1024;
    const chunk = Math.min(CHUNK_BYTES, options.segSize);
    this.buffer = new WalBuffer(chunk, Math.max(2, Math.ceil(maxPending / chunk)));
    this.batchBytes = options.writeBatchBytes ?? 2 * 1024 * 1024;
    this.backgroundBytes = options.backgroundSyncBytes ?? 4 * 1024 * 1024;
  }

  get timeline(): number {
    return this.timelineId;
  }
  get receivedLsn(): bigint {
    return this.received;
  }
  get writtenLsn(): bigint {
    return this.written;
  }
  get flushedLsn(): bigint {
    return this.flushed;
  }
  get pendingBytes(): number {
    return this.buffer.bufferedBytes;
  }
  get failed(): unknown {
    return this.failure;
  }
  /** Whether a segment file is open (bytes of an incomplete segment were received). */
  get hasOpenSegment(): boolean {
    return this.current !== undefined || !this.buffer.isEmpty;
  }

  /** Starts (or restarts, after a reconnect or a timeline switch) at a segment start. */
  begin(timeline: number, startLsn: bigint): void {
    this.throwIfFailed();
    if (this.hasOpenSegment) throw new Error('SegmentWriter.begin() while a segment is open');
    this.timelineId = timeline;
    this.received = startLsn;
    this.written = startLsn;
    this.flushed = startLsn;
  }

  /**
   * Accepts the WAL bytes starting at `lsn`, which must be where the previous bytes ended
   * (pg_receivewal's "got WAL data offset %08x, expected %08x" otherwise). Bytes may cross
   * segment boundaries. Returns a promise only when the caller should wait for room.
   */
  append(lsn: bigint, data: Buffer): Promise<void> | undefined {
    this.throwIfFailed();
    const offset = segmentOffsetOf(lsn, this.options.segSize);
    if (!this.hasOpenSegment && offset !== 0) {
      throw new ProtocolError(`received write-ahead log record for offset ${offset} with no file open`);
    }
    if (lsn !== this.received) {
      const expected = segmentOffsetOf(this.received, this.options.segSize);
      throw new ProtocolError(`got WAL data offset ${hex8(offset)}, expected ${hex8(expected)}`);
    }
    if (data.length === 0) return undefined;
    const direct = this.directBytes(data.length);
    if (direct > 0) this.writeDirectly(data.subarray(0, direct));
    if (direct < data.length) {
      this.buffer.put(lsn + BigInt(direct), data.subarray(direct));
      this.received += BigInt(data.length - direct);
    }
    this.kick();
    if (this.buffer.hasRoom) return undefined;
    return new Promise<void>((resolve) => this.roomWaiters.push(resolve)).then(() => this.throwIfFailed());
  }

  /**
   * How many of the next bytes may be written at once, from the caller's thread: with the
   * segment open, nothing queued and no writer task running, writing while the bytes are
   * still in the CPU cache costs far less than queueing them for a worker (pg_receivewal's
   * own pattern); the fsyncs still run in the background. 0: queue them.
   */
  private directBytes(length: number): number {
    const current = this.current;
    if (current === undefined || current.file.writeNow === undefined) return 0;
    if (this.pump !== undefined || !this.buffer.isEmpty || this.failure !== undefined) return 0;
    return Math.min(length, this.options.segSize - current.written);
  }

  private writeDirectly(data: Buffer): void {
    const current = this.current as OpenSegment;
    try {
      current.file.writeNow?.(data, current.written);
    } catch (error) {
      this.fail(error);
      throw error;
    }
    current.written += data.length;
    this.received += BigInt(data.length);
    this.written += BigInt(data.length);
    this.resolveWrittenWaiters();
    if (current.written === this.options.segSize) return; // kick() completes it
    this.maybeStartBackgroundSync(current);
  }

  /** Resolves with flushedLsn once every byte accepted so far is on disk. */
  requestSync(): Promise<bigint> {
    this.throwIfFailed();
    const target = this.received;
    if (this.flushed >= target) return Promise.resolve(this.flushed);
    const waiter = new Promise<bigint>((resolve, reject) => this.syncWaiters.push({ target, resolve, reject }));
    this.kick();
    return waiter;
  }

  /** Resolves with writtenLsn once every byte accepted so far is written (not necessarily synced). */
  requestWritten(): Promise<bigint> {
    this.throwIfFailed();
    const target = this.received;
    if (this.written >= target) return Promise.resolve(this.written);
    return new Promise<bigint>((resolve, reject) => this.writtenWaiters.push({ target, resolve, reject }));
  }

  /**
   * Stops at the current position: writes what is queued, keeps an incomplete segment as
   * `.partial` (fsynced) and says so. After a failure nothing more is written: the file is
   * only closed.
   */
  async close(): Promise<PartialKept | undefined> {
    await this.drain();
    const current = this.current;
    if (current === undefined) return undefined;
    this.current = undefined;
    if (this.failure !== undefined) {
      await current.file.abandon();
      return undefined;
    }
    await this.backgroundSync;
    await current.file.keepPartial();
    const endLsn = current.start + BigInt(current.written);
    this.advanceFlushed(endLsn);
    return { partialName: current.file.partialName, timeline: this.timelineId, endLsn };
  }

  /** Waits until everything queued is written (or the writer failed). */
  async drain(): Promise<void> {
    while (this.pump !== undefined) await this.pump.catch(() => undefined);
  }

  private kick(): void {
    if (this.pump !== undefined || this.failure !== undefined) return;
    this.pump = this.run()
      .catch((error: unknown) => this.fail(error))
      .finally(() => {
        this.pump = undefined;
        // A running background sync re-kicks when it ends; spinning here would busy-loop.
        const waitersLeft = this.syncWaiters.length > 0 && this.backgroundSync === undefined;
        if (this.failure === undefined && (!this.buffer.isEmpty || waitersLeft)) this.kick();
      });
  }

  private async run(): Promise<void> {
    for (;;) {
      const current = this.current;
      if (current !== undefined && current.written === this.options.segSize) {
        await this.completeSegment(current);
        continue;
      }
      if (this.buffer.isEmpty) break;
      await this.writeBatch();
      await this.serviceSyncWaiters(false);
    }
    await this.serviceSyncWaiters(true);
  }

  private async writeBatch(): Promise<void> {
    const { segSize } = this.options;
    const head = this.buffer.peek(1, this.received) as BufferedRun;
    const current = this.current ?? (await this.openSegmentAt(head.lsn));
    const segmentEnd = current.start + BigInt(segSize);
    const { writeNow } = current.file;
    if (writeNow !== undefined) {
      // What piled up during a segment switch goes out at once (page-cache writes, a few ms),
      // so the writer is back to writing each message as it arrives.
      const run = this.buffer.peek(Number.MAX_SAFE_INTEGER, segmentEnd) as BufferedRun;
      let offset = Number(run.lsn - current.start);
      for (const view of run.views) {
        writeNow(view, offset);
        offset += view.length;
      }
      this.noteWritten(current, run.bytes);
      return;
    }
    const run = this.buffer.peek(this.batchBytes, segmentEnd) as BufferedRun;
    await current.file.write(run.views, Number(run.lsn - current.start));
    this.noteWritten(current, run.bytes);
  }

  private noteWritten(current: OpenSegment, bytes: number): void {
    this.buffer.consume(bytes);
    current.written += bytes;
    this.written += BigInt(bytes);
    this.releaseRoom();
    this.resolveWrittenWaiters();
    // A full segment is completed by run(); otherwise keep the disk busy behind us.
    if (current.written < this.options.segSize) this.maybeStartBackgroundSync(current);
  }

  private maybeStartBackgroundSync(current: OpenSegment): void {
    if (!current.file.concurrentSync || this.backgroundBytes === 0 || this.backgroundSync !== undefined) return;
    if (current.written - current.synced >= this.backgroundBytes) this.startBackgroundSync(current);
  }

  private async openSegmentAt(lsn: bigint): Promise<OpenSegment> {
    const { dir, segSize, sync, mode, compression } = this.options;
    const segno = lsn / BigInt(segSize);
    const fileOptions: SegmentFileOptions = {
      dir, segSize, sync, mode, segmentName: segmentFileName(this.timelineId, segno, segSize),
    };
    const file = this.options.openSegment !== undefined
      ? await this.options.openSegment(fileOptions)
      : compression.method === 'none'
        ? await openPlainSegmentFile(fileOptions)
        : await openCompressedSegmentFile({ ...fileOptions, method: compression.method, level: compression.level });
    this.current = { file, start: segmentStartLsn(segno, segSize), written: 0, synced: 0 };
    return this.current;
  }

  private async completeSegment(current: OpenSegment): Promise<void> {
    await this.backgroundSync;
    this.throwIfFailed();
    await current.file.complete();
    this.current = undefined;
    const endLsn = current.start + BigInt(current.written);
    this.advanceFlushed(endLsn);
    this.emit('segment-complete', { name: current.file.name, timeline: this.timelineId, endLsn });
  }

  private startBackgroundSync(current: OpenSegment): void {
    const covered = current.written;
    const running = current.file.sync().then(
      () => this.noteSynced(current, covered),
      (error: unknown) => this.fail(error),
    );
    this.backgroundSync = running.finally(() => {
      this.backgroundSync = undefined;
      if (this.syncWaiters.length > 0) this.kick();
    });
  }

  /**
   * Syncs for waiters whose bytes are all written (with `all`: for every waiter). Plain files
   * sync in the background, so writes continue meanwhile (group commit: the next sync covers
   * whatever arrived during this one); compressed files sync in line.
   */
  private async serviceSyncWaiters(all: boolean): Promise<void> {
    if (this.syncWaiters.length === 0) return;
    if (!all && !this.syncWaiters.some((w) => w.target <= this.written)) return;
    const current = this.current;
    if (current !== undefined && current.synced < current.written) {
      if (current.file.concurrentSync) {
        // When a running sync ends, kick() brings us back here for what it did not cover.
        if (this.backgroundSync === undefined) this.startBackgroundSync(current);
      } else {
        const covered = current.written;
        await current.file.sync();
        this.noteSynced(current, covered);
      }
    }
    this.resolveSyncWaiters();
  }

  private noteSynced(current: OpenSegment, covered: number): void {
    if (covered > current.synced) current.synced = covered;
    this.advanceFlushed(current.start + BigInt(covered));
  }

  private advanceFlushed(lsn: bigint): void {
    if (lsn <= this.flushed) return;
    this.flushed = lsn;
    this.emit('flushed', lsn);
    this.resolveSyncWaiters();
  }

  private resolveSyncWaiters(): void {
    const still: SyncWaiter[] = [];
    for (const waiter of this.syncWaiters) {
      if (waiter.target <= this.flushed) waiter.resolve(this.flushed);
      else still.push(waiter);
    }
    this.syncWaiters = still;
  }

  private resolveWrittenWaiters(): void {
    if (this.writtenWaiters.length === 0) return;
    const still: SyncWaiter[] = [];
    for (const waiter of this.writtenWaiters) {
      if (waiter.target <= this.written) waiter.resolve(this.written);
      else still.push(waiter);
    }
    this.writtenWaiters = still;
  }

  private releaseRoom(): void {
    if (!this.buffer.hasRoom) return;
    const waiters = this.roomWaiters;
    this.roomWaiters = [];
    for (const wake of waiters) wake();
  }

  private fail(error: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    for (const waiter of [...this.syncWaiters, ...this.writtenWaiters]) waiter.reject(error);
    this.syncWaiters = [];
    this.writtenWaiters = [];
    const waiters = this.roomWaiters;
    this.roomWaiters = [];
    for (const wake of waiters) wake();
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}

const hex8 = (value: number): string => value.toString(16).padStart(8, '0');
