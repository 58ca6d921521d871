import { ProtocolError } from '../../errors.js';
import type { CopyBothStream } from '../connection/copy-both.js';
import { ConnectionError, ConnectionErrorCode } from '../connection/errors.js';
import type { PgConnection } from '../connection/pg-connection.js';
import { parseLsn } from '../../wal/lsn.js';
import { decodeReplicationMessage, encodeStandbyStatus } from './codec.js';
import { type StartReplicationOptions, startReplicationCommand } from './commands.js';
import type { Keepalive, StandbyStatus, XLogData } from './messages.js';

export type { Keepalive, StandbyStatus, XLogData } from './messages.js';

/**
 * How long finish() waits for the server to end the COPY and send its results. A walsender
 * answers CopyDone at once; one that never does (hostile, or hung) must not keep a stopping
 * receiver or a finishing backup waiting for ever.
 */
export const FINISH_DEADLINE_MS = 10_000;

/** Where the next timeline starts, when the server ends a historic one. */
export interface TimelineSwitch {
  readonly nextTimeline: number;
  readonly nextStart: bigint;
}

/**
 * XLogData's `data` is valid only until the next message is asked for: it may be a view of
 * a socket read buffer that is then reused. Consumers write or copy it before that.
 */
export interface ReplicationStream extends AsyncIterable<XLogData | Keepalive> {
  /** Standby status update 'r'. */
  sendStatus(s: StandbyStatus): void;
  /**
   * Ends the COPY (CopyDone if the server has not ended it) and reads the outcome: the
   * end-of-timeline row, or null when streaming stopped for another reason (server
   * shutdown, or the client ended it).
   */
  finish(): Promise<TimelineSwitch | null>;
  /** Resolves once queued status updates have left for the socket. */
  drain(): Promise<void>;
}

/** START_REPLICATION … PHYSICAL: XLogData and keepalives until the server stops or finish(). */
export async function startReplication(c: PgConnection, options: StartReplicationOptions): Promise<ReplicationStream> {
  // XLogData split across reads comes in pieces: a walsender sends up to 128 kB per message
  // and Node reads 64 kB, so gathering would copy all of the WAL into fresh memory once more.
  // The consumers write or copy each message before asking for the next: they lend.
  const copy = await c.copyBoth(startReplicationCommand(options), { pieces: 'xlogData', lendPayloads: true });
  return new PhysicalStream(c, copy);
}

class PhysicalStream implements ReplicationStream {
  constructor(
    private readonly connection: PgConnection,
    private readonly copy: CopyBothStream,
  ) {}

  /**
   * Each piece of an XLogData is yielded as an XLogData of its own: the WAL that continues
   * the previous one, with its walEnd and sendTime. Consumers see what a walsender sending
   * smaller messages would send.
   */
  async *[Symbol.asyncIterator](): AsyncIterator<XLogData | Keepalive> {
    let previous: XLogData | undefined;
    for await (const payload of this.copy) {
      let message: XLogData | Keepalive;
      if (this.copy.continues && previous !== undefined) {
        message = { ...previous, dataStart: previous.dataStart + BigInt(previous.data.length), data: payload };
      } else {
        try {
          message = decodeReplicationMessage(payload);
        } catch (error) {
          // Unknown input inside the stream: the connection cannot be trusted any more.
          this.connection.destroy(error as Error);
          throw error;
        }
      }
      previous = message.kind === 'xlogdata' ? message : undefined;
      yield message;
    }
  }

  sendStatus(status: StandbyStatus): void {
    this.copy.write(encodeStandbyStatus(status));
  }

  drain(): Promise<void> {
    return this.copy.drain();
  }

  async finish(): Promise<TimelineSwitch | null> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        const error = new ConnectionError(
          ConnectionErrorCode.lost,
          `the server did not end the replication stream within ${FINISH_DEADLINE_MS / 1000} s`,
        );
        this.connection.destroy(error);
        reject(error);
      }, FINISH_DEADLINE_MS);
    });
    let results;
    try {
      const ending = this.copy.end();
      ending.catch(() => undefined); // after the deadline it fails too: already reported
      results = await Promise.race([ending, deadline]);
    } finally {
      clearTimeout(timer);
    }
    const result = results.find((r) => r.fields[0]?.name === 'next_tli');
    if (result === undefined) return null;
    const row = result.rows[0];
    const [tli, start] = row ?? [];
    if (result.rows.length !== 1 || typeof tli !== 'string' || typeof start !== 'string' || !/^\d+$/.test(tli)) {
      throw new ProtocolError('Cannot read the end of the timeline: expected one row (next_tli, next_tli_startpos)');
    }
    return { nextTimeline: Number(tli), nextStart: parseLsn(start) };
  }
}
