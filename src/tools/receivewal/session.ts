import { FileSystemError, ProtocolError } from '../../core/errors.js';
import { PgServerError, serverErrorText } from '../../core/pg/connection/errors.js';
import type { PgConnection } from '../../core/pg/connection/pg-connection.js';
import { identifySystem, timelineHistory, type SystemIdentity } from '../../core/pg/replication/commands.js';
import { startReplication } from '../../core/pg/replication/stream.js';
import { formatLsn } from '../../core/wal/lsn.js';
import { segmentStartOf } from '../../core/wal/segment-name.js';
import { copyWalStream, type CopyOutcome, RejectedWalError, timelineSwitchProblem } from '../../core/wal/copy-wal-stream.js';
import { SegmentWriter } from '../../core/wal/segment-writer.js';
import { StreamedHeaderCheck } from '../../core/wal/streamed-header-check.js';
import { readAncestorTimelines } from '../../core/wal/timeline-ancestry.js';
import { hasHistoryFile, writeHistoryFile } from './history-file.js';
import type { ReceivewalOptions } from './options.js';
import { FatalStreamError, StreamInterrupted } from './errors.js';
import { decideStart } from './start-position.js';
import type { Reporter } from './report.js';

/** What the server told us once per run (pg_receivewal asks once, before its loop). */
export interface ServerFacts {
  readonly segSize: number;
  /** File mode from data_directory_mode (0600, or 0640 with group access). */
  readonly fileMode: number;
  /** The system the run started with: a reconnection must reach the same one. */
  readonly systemId: string;
}

export type SessionOutcome = 'stopped' | 'disconnected';

/** What stays the same across a run's streaming sessions (and its reconnections). */
export interface StreamContext {
  readonly options: ReceivewalOptions & { readonly directory: string };
  readonly facts: ServerFacts;
  readonly reporter: Reporter;
  readonly signal: AbortSignal | undefined;
  /** A segment or history file was completed under its final name (receivewal --archive). */
  readonly fileCompleted: () => void;
}

/**
 * One connection's worth of streaming, pg_receivewal's StreamLog + ReceiveXlogStream:
 * decide the start, then START_REPLICATION on each timeline in turn (fetching its history
 * file first) until we stop or the server goes away. Errors worth a retry are logged and
 * reported as 'disconnected'; FatalStreamError and file-system errors at the start propagate.
 */
export async function streamSession(
  connection: PgConnection,
  context: StreamContext,
  /** IDENTIFY_SYSTEM's answer on this connection, when the caller has just asked it. */
  identified?: SystemIdentity,
): Promise<SessionOutcome> {
  const { options, facts, reporter, signal } = context;
  const session: Session = { ...context, connection };
  const identity = identified ?? (await sameSystemIdentity(connection, facts));
  let { lsn: startpos, timeline } = await decideStart(connection, identity, {
    dir: options.directory, segSize: facts.segSize, slot: options.slot,
  }, reporter);
  if (timeline > identity.timeline) {
    reporter.error(`starting timeline ${timeline} is not present in the server`);
    return 'disconnected';
  }
  reporter.verbose(`starting log streaming at ${formatLsn(startpos)} (timeline ${timeline})`);
  reporter.verbose(describeFeedback(options));
  let previous: { timeline: number; position: bigint } | undefined;
  for (;;) {
    if (!(await historyFileKept(session, timeline))) return 'disconnected';
    if (previous !== undefined && previous.timeline !== timeline) {
      reporter.verbose(`switched to timeline ${timeline} at ${formatLsn(previous.position)}`);
    }
    if (signal?.aborted === true) {
      reporter.verbose('received interrupt signal, exiting');
      return 'stopped';
    }
    if (options.endpos !== undefined && options.endpos < startpos) {
      reporter.verbose(`stopped log streaming at ${formatLsn(startpos)} (timeline ${timeline})`);
      return 'stopped';
    }
    const outcome = await streamTimeline(session, timeline, startpos);
    if (outcome.kind === 'stopped') return 'stopped';
    if (outcome.kind === 'server-ended') {
      reporter.error('replication stream was terminated before stop point');
      return 'disconnected';
    }
    const { nextTimeline, nextStart } = outcome.next;
    const problem = timelineSwitchProblem(timeline, outcome.position, outcome.next);
    if (problem !== undefined) {
      reporter.error(problem);
      return 'disconnected';
    }
    previous = { timeline, position: outcome.position };
    timeline = nextTimeline;
    startpos = segmentStartOf(nextStart, facts.segSize);
  }
}

/** One session's surroundings, for the steps below. */
interface Session extends StreamContext {
  readonly connection: PgConnection;
}

/** IDENTIFY_SYSTEM, which must name the system this run started with. */
const sameSystemIdentity = async (connection: PgConnection, facts: ServerFacts): Promise<SystemIdentity> => {
  let identity: SystemIdentity;
  try {
    identity = await identifySystem(connection);
  } catch (error) {
    throw new FatalStreamError('identify-system', `could not send replication command "IDENTIFY_SYSTEM": ${serverErrorText(error)}`);
  }
  if (identity.systemId !== facts.systemId) {
    throw new FatalStreamError(
      'foreign-system',
      `Cannot continue: the server is now database system ${identity.systemId}, this run started with ${facts.systemId}`,
    );
  }
  return identity;
};

/** The timeline's history file, fetched if missing; false when the server could not send it. */
const historyFileKept = async ({ connection, options, facts, reporter, fileCompleted }: Session, timeline: number): Promise<boolean> => {
  const dir = options.directory;
  if (await hasHistoryFile(dir, timeline)) return true;
  try {
    const served = await timelineHistory(connection, timeline);
    const name = await writeHistoryFile(dir, timeline, served, { sync: options.sync, mode: facts.fileMode });
    reporter.verbose(`wrote timeline history file "${name}"`);
    fileCompleted();
    return true;
  } catch (error) {
    if (error instanceof FileSystemError) throw error;
    reporter.error(`could not send replication command "TIMELINE_HISTORY": ${serverErrorText(error)}`);
    return false;
  }
};

/** START_REPLICATION on one timeline, into a segment writer, until it ends or we stop. */
const streamTimeline = async (session: Session, timeline: number, startpos: bigint): Promise<CopyOutcome> => {
  const { connection, options, facts, reporter, signal } = session;
  const dir = options.directory;
  const writer = new SegmentWriter({
    dir, segSize: facts.segSize, sync: options.sync, mode: facts.fileMode, compression: options.compression,
  });
  writer.on('segment-complete', (done) => {
    reporter.verbose(`finished segment at ${formatLsn(done.endLsn)} (timeline ${done.timeline})`);
    session.fileCompleted();
  });
  writer.begin(timeline, startpos);
  try {
    const stream = await startReplication(connection, {
      ...(options.slot === undefined ? {} : { slot: options.slot }), lsn: startpos, timeline,
    }).catch((error: unknown) => {
      throw classifyStartError(error, options.slot);
    });
    const ancestors = await readAncestorTimelines([dir], timeline);
    const headerCheck = new StreamedHeaderCheck({
      segSize: facts.segSize, systemIdentifier: facts.systemId, timeline,
      ...(ancestors === undefined ? {} : { ancestorTimelines: ancestors }),
    });
    const reportFlush = options.slot !== undefined || options.synchronous;
    return await copyWalStream({
      stream, writer, segSize: facts.segSize, timeline, endpos: options.endpos, signal, headerCheck, log: reporter,
      feedback: { reportFlush, synchronous: options.synchronous, intervalMs: options.statusIntervalMs },
    });
  } catch (error) {
    // Whatever arrived is kept, fsynced, as .partial (pg_receivewal's CLOSE_NO_RENAME).
    await writer.close().catch(() => undefined);
    if (error instanceof FatalStreamError || error instanceof StreamInterrupted) throw error;
    // Not WAL of this system and timeline: retrying would only fetch it again.
    if (error instanceof RejectedWalError) throw new FatalStreamError(error.code, error.message);
    throw new StreamInterrupted(streamFailureText(error), error);
  }
};

/** What the server will be told, and what that means for the WAL it keeps. */
const describeFeedback = (options: ReceivewalOptions): string => {
  const sync = options.synchronous ? ', each write fsynced at once (--synchronous)' : '';
  if (options.slot !== undefined) {
    return `reporting flushed positions through slot "${options.slot}"${sync}: the server keeps WAL until it is on disk here`;
  }
  if (options.synchronous) return 'reporting flushed positions (--synchronous, no slot): each write fsynced at once';
  return 'no slot: the server may recycle WAL this archive has not received yet (use -S to prevent that)';
};

/** START_REPLICATION refused: a missing slot is fatal, anything else is worth a retry. */
const classifyStartError = (error: unknown, slot: string | undefined): Error => {
  if (error instanceof PgServerError && error.sqlstate === '42704' && slot !== undefined) {
    return new FatalStreamError('slot-missing', `replication slot "${slot}" does not exist`, {
      hint: 'Create it with --create-slot, or name an existing one with -S.',
    });
  }
  return new StreamInterrupted(`could not send replication command "START_REPLICATION": ${serverErrorText(error)}`, error);
};

/** pg_receivewal's wording for a stream that broke while data was flowing. */
const streamFailureText = (error: unknown): string => {
  if (error instanceof PgServerError) return `unexpected termination of replication stream: ${serverErrorText(error)}`;
  if (error instanceof FileSystemError || error instanceof ProtocolError) return error.message;
  return `could not receive data from WAL stream: ${(error as Error).message}`;
};
