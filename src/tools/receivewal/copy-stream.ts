import type { Keepalive, ReplicationStream, TimelineSwitch, XLogData } from '../../core/pg/replication/stream.js';
import { formatLsn } from '../../core/wal/lsn.js';
import { segmentOffsetOf } from '../../core/wal/segment-name.js';
import type { SegmentWriter } from '../../core/wal/segment-writer.js';
import type { StreamedHeaderCheck } from '../../core/wal/streamed-header-check.js';
import { ValidationError } from '../../core/errors.js';
import { FatalStreamError } from './errors.js';
import { Feedback } from './feedback.js';
import type { Reporter } from './status-line.js';

/**
 * One START_REPLICATION's COPY, pg_receivewal's HandleCopyStream: WAL bytes go to the writer
 * (which writes and fsyncs behind the socket), status updates follow the feedback policy,
 * and the stream stops at --endpos or on a signal exactly where pg_receivewal stops: after
 * the XLogData message that passes endpos, or at the end of a segment that passes it (the
 * rest of that message is dropped).
 */
export interface CopyContext {
  readonly stream: ReplicationStream;
  readonly writer: SegmentWriter;
  readonly reporter: Reporter;
  readonly segSize: number;
  readonly timeline: number;
  readonly endpos: bigint | undefined;
  readonly signal: AbortSignal | undefined;
  readonly reportFlush: boolean;
  readonly synchronous: boolean;
  readonly statusIntervalMs: number;
  /** Judges each segment's first page before any of its bytes are written. */
  readonly headerCheck: StreamedHeaderCheck;
}

export type CopyOutcome =
  /** We stopped (endpos or signal) and the server acknowledged. */
  | { readonly kind: 'stopped'; readonly position: bigint }
  /** The server ended a historic timeline. */
  | { readonly kind: 'timeline-end'; readonly position: bigint; readonly next: TimelineSwitch }
  /** The server ended the COPY without a next timeline (shutdown). */
  | { readonly kind: 'server-ended'; readonly position: bigint };

type Next = IteratorResult<XLogData | Keepalive> | 'aborted' | 'failed';

export async function copyStream(ctx: CopyContext): Promise<CopyOutcome> {
  const { stream, writer, reporter } = ctx;
  let failure: unknown;
  // Wakes the read in progress. (Promise.race against promises that stay pending would make
  // them hold on to every message that ever won a race: all the WAL received.)
  let wake: ((reason: 'aborted' | 'failed') => void) | undefined;
  const wakeOnFailure = (): void => wake?.('failed');
  const feedback = new Feedback(writer, {
    reportFlush: ctx.reportFlush,
    synchronous: ctx.synchronous,
    intervalMs: ctx.statusIntervalMs,
    send: (status) => stream.sendStatus(status),
    onError: (error) => {
      failure ??= error;
      wakeOnFailure();
    },
  });
  const onFlushed = (): void => feedback.flushed();
  writer.on('flushed', onFlushed);
  const onAbort = (): void => wake?.('aborted');
  ctx.signal?.addEventListener('abort', onAbort);
  const iterator = stream[Symbol.asyncIterator]();
  let serverEnd = writer.receivedLsn;
  let stop: 'endpos' | 'signal' | undefined;
  feedback.start();
  try {
    while (stop === undefined) {
      if (ctx.signal?.aborted === true) {
        stop = 'signal';
        break;
      }
      if (failure !== undefined) throw failure;
      const pending = iterator.next();
      const next: Next = await new Promise<Next>((resolve, reject) => {
        wake = resolve;
        pending.then(resolve, reject);
      });
      wake = undefined;
      if (next === 'failed') throw failure;
      if (next === 'aborted') {
        stop = 'signal';
        // A read is still waiting for the server, and the COPY can only end after it: ask for
        // an immediate keepalive (replyRequested) instead of waiting for the server's next one.
        try {
          stream.sendStatus({ write: writer.writtenLsn, flush: ctx.reportFlush ? writer.flushedLsn : 0n, apply: 0n, replyRequested: true });
        } catch {
          // The connection is already gone: finish() reports that.
        }
        break;
      }
      if (next.done === true) break;
      const message = next.value;
      if (message.walEnd > serverEnd) serverEnd = message.walEnd;
      if (message.kind === 'keepalive') {
        feedback.keepalive(message.replyRequested);
      } else {
        stop = await acceptWal(ctx, message);
        feedback.afterData();
      }
      reporter.progress(writer.receivedLsn, serverEnd, ctx.timeline);
      if (failure !== undefined) throw failure;
    }
    if (stop !== undefined) {
      if (stop === 'endpos') {
        reporter.verbose(`stopped log streaming at ${formatLsn(writer.receivedLsn)} (timeline ${ctx.timeline})`);
      } else {
        reporter.verbose('received interrupt signal, exiting');
      }
    }
    feedback.stop();
    const kept = await writer.close();
    if (kept !== undefined) reporter.info(`not renaming "${kept.partialName}", segment is not complete`);
    const position = writer.receivedLsn;
    const next = await stream.finish();
    if (stop !== undefined) return { kind: 'stopped', position };
    return next === null ? { kind: 'server-ended', position } : { kind: 'timeline-end', position, next };
  } finally {
    feedback.stop();
    writer.off('flushed', onFlushed);
    ctx.signal?.removeEventListener('abort', onAbort);
  }
}

/** Hands one XLogData to the writer, split at segment ends; says whether to stop. */
const acceptWal = async (ctx: CopyContext, message: XLogData): Promise<'endpos' | undefined> => {
  const { writer, segSize, endpos } = ctx;
  try {
    ctx.headerCheck.check(message.dataStart, message.data);
  } catch (error) {
    // Not WAL of this system and timeline: nothing of it is written, and retrying would
    // only fetch it again.
    if (!(error instanceof ValidationError)) throw error;
    throw new FatalStreamError(error.code, `Cannot accept WAL from the server: ${error.message}`);
  }
  let at = 0;
  let lsn = message.dataStart;
  while (at < message.data.length) {
    const room = segSize - segmentOffsetOf(lsn, segSize);
    const take = Math.min(room, message.data.length - at);
    const wait = writer.append(lsn, message.data.subarray(at, at + take));
    if (wait !== undefined) await wait;
    at += take;
    lsn += BigInt(take);
    // pg_receivewal checks endpos when a segment ends and drops the rest of the message.
    if (take === room && endpos !== undefined && endpos < lsn) return 'endpos';
  }
  if (endpos !== undefined && endpos < writer.receivedLsn) return 'endpos';
  return undefined;
};
