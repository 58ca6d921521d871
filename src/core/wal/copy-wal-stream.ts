import { ValidationError } from '../errors.js';
import type { Keepalive, ReplicationStream, TimelineSwitch, XLogData } from '../pg/replication/stream.js';
import { formatLsn } from './lsn.js';
import { segmentOffsetOf } from './segment-name.js';
import type { SegmentWriter } from './segment-writer.js';
import { type FeedbackPolicy, StandbyFeedback } from './standby-feedback.js';
import type { StreamedHeaderCheck } from './streamed-header-check.js';

/** What the copy says as it goes (receivewal prints it; basebackup -X stream says nothing). */
export interface WalCopyLog {
  verbose(text: string): void;
  info(text: string): void;
  progress(receivedLsn: bigint, serverEndLsn: bigint, timeline: number): void;
}

/**
 * One START_REPLICATION's COPY into a SegmentWriter, the one receive loop of receivewal and
 * basebackup -X stream (pg_receivewal's and pg_basebackup's shared HandleCopyStream): WAL
 * bytes go to the writer (which writes and fsyncs behind the socket), status updates follow
 * the feedback policy, and the copy stops
 * - at `endpos` exactly where pg_receivewal stops: after the XLogData message that passes
 *   endpos, or at the end of a segment that passes it (the rest of that message is dropped);
 * - once everything before `stopAt()` is received (basebackup's end of backup, told while
 *   streaming runs), checked after every message;
 * - at once when `signal` aborts (an interrupt; basebackup: its end is already received).
 * When we stop, the COPY is ended while the writer closes; an incomplete segment stays
 * `.partial`.
 */
export interface CopyWalOptions {
  readonly stream: ReplicationStream;
  readonly writer: SegmentWriter;
  readonly segSize: number;
  readonly timeline: number;
  readonly feedback: FeedbackPolicy;
  readonly endpos?: bigint | undefined;
  readonly stopAt?: () => bigint | undefined;
  readonly signal?: AbortSignal | undefined;
  /** Judges each segment's first page before any of its bytes are written. */
  readonly headerCheck?: StreamedHeaderCheck;
  readonly log?: WalCopyLog;
}

export type CopyOutcome =
  /** We stopped (endpos, stopAt or signal) and the server acknowledged. */
  | { readonly kind: 'stopped'; readonly position: bigint }
  /** The server ended a historic timeline. */
  | { readonly kind: 'timeline-end'; readonly position: bigint; readonly next: TimelineSwitch }
  /** The server ended the COPY without a next timeline (shutdown). */
  | { readonly kind: 'server-ended'; readonly position: bigint };

/**
 * What is wrong with the server's end of `timeline` (reached at `position`) and its next
 * timeline, in pg_receivewal's words; undefined when the switch is sound. The next timeline
 * must be newer and begin no later than what was received.
 */
export const timelineSwitchProblem = (timeline: number, position: bigint, next: TimelineSwitch): string | undefined => {
  if (next.nextTimeline <= timeline) {
    return `server reported unexpected next timeline ${next.nextTimeline}, following timeline ${timeline}`;
  }
  if (next.nextStart > position) {
    return `server stopped streaming timeline ${timeline} at ${formatLsn(position)}, but reported next ` +
      `timeline ${next.nextTimeline} to begin at ${formatLsn(next.nextStart)}`;
  }
  return undefined;
};

/** Streamed WAL that is not of this system and timeline: nothing of it was written. */
export class RejectedWalError extends ValidationError {
  constructor(reason: ValidationError) {
    super(reason.code, `Cannot accept WAL from the server: ${reason.message}`, { cause: reason });
  }
}

type Next = IteratorResult<XLogData | Keepalive> | 'aborted' | 'failed';
type StopReason = 'endpos' | 'reached' | 'signal';

const quiet: WalCopyLog = { verbose: () => undefined, info: () => undefined, progress: () => undefined };

export async function copyWalStream(options: CopyWalOptions): Promise<CopyOutcome> {
  const { stream, writer, signal } = options;
  const log = options.log ?? quiet;
  let failure: unknown;
  // Wakes the read in progress. (Promise.race against promises that stay pending would make
  // them hold on to every message that ever won a race: all the WAL received.)
  let wake: ((reason: 'aborted' | 'failed') => void) | undefined;
  const feedback = new StandbyFeedback(writer, {
    ...options.feedback,
    send: (status) => stream.sendStatus(status),
    onError: (error) => {
      failure ??= error;
      wake?.('failed');
    },
  });
  const onFlushed = (): void => feedback.flushed();
  writer.on('flushed', onFlushed);
  const onAbort = (): void => wake?.('aborted');
  signal?.addEventListener('abort', onAbort);
  const iterator = stream[Symbol.asyncIterator]();
  let serverEnd = writer.receivedLsn;
  let stop: StopReason | undefined;
  const reached = (): boolean => {
    const end = options.stopAt?.();
    return end !== undefined && writer.receivedLsn >= end;
  };
  feedback.start();
  try {
    while (stop === undefined) {
      if (signal?.aborted === true) {
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
        feedback.requestReply();
        break;
      }
      if (next.done === true) break;
      const message = next.value;
      if (message.walEnd > serverEnd) serverEnd = message.walEnd;
      if (message.kind === 'keepalive') {
        feedback.keepalive(message.replyRequested);
      } else {
        stop = await acceptWal(options, message);
        feedback.afterData();
      }
      if (stop === undefined && reached()) stop = 'reached';
      log.progress(writer.receivedLsn, serverEnd, options.timeline);
      if (failure !== undefined) throw failure;
    }
    if (stop === 'endpos') log.verbose(`stopped log streaming at ${formatLsn(writer.receivedLsn)} (timeline ${options.timeline})`);
    if (stop === 'signal') log.verbose('received interrupt signal, exiting');
    feedback.stop();
    // When we stop, the COPY is ended at once, so the server winds down while the last
    // segment is synced and renamed (pg_receivewal syncs first): no status follows either
    // way, and the outcome still waits for both.
    const ending = stop === undefined ? undefined : settled(stream.finish());
    const kept = await writer.close();
    if (kept !== undefined) log.info(`not renaming "${kept.partialName}", segment is not complete`);
    const position = writer.receivedLsn;
    const next = ending === undefined ? await stream.finish() : unwrap(await ending);
    if (stop !== undefined) return { kind: 'stopped', position };
    return next === null ? { kind: 'server-ended', position } : { kind: 'timeline-end', position, next };
  } finally {
    feedback.stop();
    writer.off('flushed', onFlushed);
    signal?.removeEventListener('abort', onAbort);
  }
}

type Settled<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

/** A promise that never rejects: its failure is thrown where it is awaited (unwrap). */
const settled = <T>(promise: Promise<T>): Promise<Settled<T>> =>
  promise.then((value) => ({ ok: true, value }), (error: unknown) => ({ ok: false, error }));

const unwrap = <T>(result: Settled<T>): T => {
  if (result.ok) return result.value;
  throw result.error;
};

/** Hands one XLogData to the writer, split at segment ends; says whether endpos stops us. */
const acceptWal = async (options: CopyWalOptions, message: XLogData): Promise<'endpos' | undefined> => {
  const { writer, segSize, endpos } = options;
  try {
    options.headerCheck?.check(message.dataStart, message.data);
  } catch (error) {
    if (error instanceof ValidationError) throw new RejectedWalError(error);
    throw error;
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
