import { ProtocolError, ValidationError, WarmstandbyError } from '../errors.js';
import type { PgConnection } from '../pg/connection/pg-connection.js';
import { identifySystem, timelineHistory } from '../pg/replication/commands.js';
import { startReplication } from '../pg/replication/stream.js';
import { copyWalStream, timelineSwitchProblem } from '../wal/copy-wal-stream.js';
import { historyFileName, segmentStartOf } from '../wal/segment-name.js';
import { SegmentWriter } from '../wal/segment-writer.js';
import type { BackupWalOutput } from './wal-output.js';

export interface WalStreamerOptions {
  /** A replication connection of its own (the backup's connection is busy with the COPY). */
  readonly connection: PgConnection;
  /** IDENTIFY_SYSTEM's system id on the backup connection: both must be the same server. */
  readonly systemId: string;
  readonly timeline: number;
  /** The backup's start LSN; streaming starts at its segment's first byte. */
  readonly startLsn: bigint;
  readonly slot?: string;
  readonly segSize: number;
  /** -s: standby status every this many ms (0: only when the server asks). */
  readonly statusIntervalMs: number;
  readonly output: BackupWalOutput;
}

/**
 * -X stream: receives WAL from the start of the backup into pg_wal/ or pg_wal.tar while the
 * data files are copied, and stops once it has everything up to the backup's end LSN (told
 * later through stopAt). Follows timeline switches like pg_basebackup (a standby promoted
 * during the backup). `done` settles when streaming is over; a failure rejects it at once
 * so the backup can stop instead of copying data that would be unusable.
 */
export class WalStreamer {
  private endLsn: bigint | undefined;
  private writer: SegmentWriter | undefined;
  /** Aborted once the end of the backup is received: the copy stops without more data. */
  private readonly endReceived = new AbortController();
  private failure: unknown;
  private stopping = false;

  /** Starts streaming; the returned streamer is told the end with stopAt(). */
  static start(options: WalStreamerOptions): WalStreamer {
    const streamer = new WalStreamer(options);
    streamer.running = streamer.run().catch((error: unknown) => {
      streamer.failure ??= error;
      throw error;
    });
    // The backup observes `failed` and awaits `done` later; never an unhandled rejection.
    streamer.running.catch(() => undefined);
    return streamer;
  }

  private running: Promise<void> = Promise.resolve();

  private constructor(private readonly options: WalStreamerOptions) {}

  /** Settles when streaming is over; rejects at once on a failure. */
  get done(): Promise<void> {
    return this.running;
  }

  /** The error that ended streaming early, if any. */
  get failed(): unknown {
    return this.failure;
  }

  /** The backup ended at `lsn`: stop once everything before it is received. */
  stopAt(lsn: bigint): void {
    this.endLsn = lsn;
    const writer = this.writer;
    // The server may have nothing more to send: the copy must not wait for it.
    if (writer !== undefined && writer.receivedLsn >= lsn) this.endReceived.abort();
  }

  /** After a failure elsewhere: drop the connection; streaming ends with an error. */
  abort(): void {
    this.stopping = true;
    this.options.connection.destroy();
    this.options.output.abandon();
  }

  private reached(position: bigint): boolean {
    return this.endLsn !== undefined && position >= this.endLsn;
  }

  private async run(): Promise<void> {
    const { connection, segSize, output } = this.options;
    const identity = await identifySystem(connection);
    if (identity.systemId !== this.options.systemId) {
      throw new ValidationError(
        'system-mismatch',
        'system identifier does not match between base backup and streaming connection',
      );
    }
    if (this.options.timeline > identity.timeline) {
      throw new ValidationError(
        'timeline-missing',
        `starting timeline ${this.options.timeline} is not present in the server`,
      );
    }
    const writer = new SegmentWriter({
      dir: '',
      segSize,
      sync: false,
      mode: 0o600,
      compression: { method: 'none', level: 0 },
      openSegment: (fileOptions) => output.openSegment(fileOptions),
    });
    this.writer = writer;
    let timeline = this.options.timeline;
    let start = segmentStartOf(this.options.startLsn, segSize);
    try {
      for (;;) {
        if (timeline > 1) {
          const history = await timelineHistory(connection, timeline);
          if (history.filename !== historyFileName(timeline)) {
            throw new ProtocolError(
              `server reported unexpected history file name for timeline ${timeline}: ${history.filename}`,
            );
          }
          await output.writeHistoryFile(history.filename, history.content);
        }
        if (this.reached(start)) break;
        writer.begin(timeline, start);
        const next = await this.streamTimeline(timeline, start);
        await writer.close();
        if (next === 'stopped') break;
        if (next === null) {
          if (this.reached(writer.receivedLsn)) break;
          throw new WarmstandbyError('stream-ended', 'replication stream was terminated before stop point');
        }
        const problem = timelineSwitchProblem(timeline, writer.receivedLsn, next);
        if (problem !== undefined) throw new ProtocolError(problem);
        timeline = next.nextTimeline;
        start = segmentStartOf(next.nextStart, segSize);
      }
      await output.finish();
    } catch (error) {
      if (this.stopping) throw new WarmstandbyError('stream-aborted', 'WAL streaming was stopped');
      throw error;
    }
  }

  private async streamTimeline(
    timeline: number,
    start: bigint,
  ): Promise<'stopped' | { nextTimeline: number; nextStart: bigint } | null> {
    const writer = this.writer as SegmentWriter;
    const stream = await startReplication(this.options.connection, {
      lsn: start,
      timeline,
      ...(this.options.slot === undefined ? {} : { slot: this.options.slot }),
    });
    // A status goes out at once, as pg_basebackup sends one: with a slot, the start position
    // reported flushed is what sets the slot's restart_lsn (a backup shorter than one
    // interval would otherwise leave a slot made without reserving WAL protecting nothing).
    // With a slot the server may recycle what we report flushed: only what is on disk.
    const outcome = await copyWalStream({
      stream,
      writer,
      segSize: this.options.segSize,
      timeline,
      feedback: { reportFlush: this.options.slot !== undefined, synchronous: false, intervalMs: this.options.statusIntervalMs },
      stopAt: () => this.endLsn,
      signal: this.endReceived.signal,
    });
    if (outcome.kind === 'stopped') return 'stopped';
    return outcome.kind === 'timeline-end' ? outcome.next : null;
  }
}
