import { isWarmstandbyError } from '../errors.js';
import type { StandbyStatus } from '../pg/replication/messages.js';
import type { SegmentWriter } from './segment-writer.js';

/**
 * When a WAL receiver (receivewal, basebackup -X stream) sends standby status updates and
 * what they say, as pg_receivewal and pg_basebackup do, except that the flush position comes
 * from the writer's fsynced position and the fsync itself never stops the receiving:
 * - `write` is what is in the page cache, `flush` what is on disk, and flush is reported
 *   only with a slot or --synchronous (otherwise 0, so the server never counts us as a
 *   synchronous standby by accident); apply is always 0;
 * - one status right away, then every `intervalMs` (0: only when asked);
 * - --synchronous: as soon as received bytes are not yet on disk, sync them and report at
 *   once. One sync runs at a time; the next covers whatever arrived meanwhile;
 * - a keepalive asking for a reply gets one once what was received is written (and synced,
 *   when flush is reported).
 */
export interface FeedbackPolicy {
  /** Report the fsynced position as flushed (with a slot, or --synchronous). */
  readonly reportFlush: boolean;
  /** Sync and report as soon as received bytes are not yet on disk. */
  readonly synchronous: boolean;
  /** A status every this many ms (0: only when the server asks). */
  readonly intervalMs: number;
}

export interface FeedbackOptions extends FeedbackPolicy {
  readonly send: (status: StandbyStatus) => void;
  /** A failed sync: the writer is broken and the stream must end. */
  readonly onError: (error: unknown) => void;
}

export class StandbyFeedback {
  private timer: NodeJS.Timeout | undefined;
  private syncing = false;
  private replyOwed = false;
  private stopped = false;
  private lastFlushSent = -1n;

  constructor(
    private readonly writer: SegmentWriter,
    private readonly options: FeedbackOptions,
  ) {}

  start(): void {
    this.sendNow();
    if (this.options.intervalMs > 0) {
      this.timer = setInterval(() => this.sendNow(), this.options.intervalMs);
      this.timer.unref();
    }
  }

  /** After each XLogData the writer accepted. */
  afterData(): void {
    if (this.options.synchronous) this.syncThenReport();
  }

  /** A keepalive. */
  keepalive(replyRequested: boolean): void {
    if (!replyRequested) return;
    if (this.options.reportFlush && this.writer.flushedLsn < this.writer.receivedLsn) {
      this.replyOwed = true;
      this.syncThenReport();
    } else if (this.writer.writtenLsn < this.writer.receivedLsn) {
      // A server shutting down waits until our write position reaches what it sent: answer
      // once the bytes are written rather than with a position it would have to wait on.
      this.writer.requestWritten().then(
        () => this.sendNow(),
        (error: unknown) => this.options.onError(error),
      );
    } else {
      this.sendNow();
    }
  }

  /** The writer moved its flushed position (a segment completed): report promptly if it counts. */
  flushed(): void {
    if (this.options.synchronous && this.writer.flushedLsn !== this.lastFlushSent) this.sendNow();
  }

  /**
   * A status asking the server for an immediate keepalive, so that a read waiting on the
   * server wakes up (we are stopping; the COPY can only end after that read).
   */
  requestReply(): void {
    if (this.stopped) return;
    try {
      this.options.send({ write: this.writer.writtenLsn, flush: this.flushToReport(), apply: 0n, replyRequested: true });
    } catch {
      // The connection is already gone: the stream's end reports that.
    }
  }

  /** No more status updates (the client side of the COPY is over). */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private syncThenReport(): void {
    if (this.syncing || this.stopped) return;
    if (this.writer.flushedLsn >= this.writer.receivedLsn) {
      if (this.replyOwed) this.sendNow();
      return;
    }
    this.syncing = true;
    this.writer.requestSync().then(
      () => {
        this.syncing = false;
        if (this.stopped) return;
        this.sendNow();
        // Bytes that arrived during that sync get the next one.
        if (this.options.synchronous) this.syncThenReport();
      },
      (error: unknown) => {
        this.syncing = false;
        this.options.onError(error);
      },
    );
  }

  private flushToReport(): bigint {
    return this.options.reportFlush ? this.writer.flushedLsn : 0n;
  }

  private sendNow(): void {
    if (this.stopped) return;
    this.replyOwed = false;
    const flush = this.flushToReport();
    this.lastFlushSent = flush;
    try {
      this.options.send({ write: this.writer.writtenLsn, flush, apply: 0n, replyRequested: false });
    } catch (error) {
      // The server ended the COPY first (or never began it: START_REPLICATION at the very end
      // of a historic timeline): nothing to report to, and the stream's end says why.
      if (isWarmstandbyError(error) && error.code === 'copy-closed') return;
      this.options.onError(error);
    }
  }
}
