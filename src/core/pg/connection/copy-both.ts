import { WarmstandbyError } from '../../errors.js';
import type { CopyDataPieces } from '../protocol/backend.js';
import { copyData, copyDone, copyFail, query as queryMessage } from '../protocol/frontend.js';
import { ConnectionError, PgServerError } from './errors.js';
import { type QueryResult, ResultCollector, textResult } from './results.js';
import type { Session } from './session.js';
import { COPY_IN_REFUSAL, finishAfterError } from './simple-query.js';

/** The contract's CopyBothStream, plus drain() for writers that want to respect backpressure. */
export interface CopyBothStream extends AsyncIterable<Buffer> {
  /** CopyData to the server. Throws once the client side of the COPY is over. */
  write(payload: Buffer): void;
  /** CopyDone (if not sent yet), then every result set up to ReadyForQuery. */
  end(): Promise<QueryResult[]>;
  /** Resolves when the server stops sending (CopyDone, or the COPY ended); the iterator then ends. */
  readonly serverDone: Promise<void>;
  /** Resolves once the socket has flushed what write() queued. */
  drain(): Promise<void>;
  /**
   * True when the payload just yielded continues the previous one: a CopyData split across
   * reads and passed on in pieces (CopyBothOptions.pieces) instead of gathered.
   */
  readonly continues: boolean;
}

export interface CopyBothOptions {
  /** Which CopyData messages split across reads come in pieces (BackendParser's modes). */
  readonly pieces?: CopyDataPieces;
  /**
   * The consumer is done with each payload when it asks for the next one: payloads may then
   * be views of a socket read buffer that is reused (MessageChannel.lendMessages).
   */
  readonly lendPayloads?: boolean;
}

/**
 * Sends `sql` and waits for CopyBothResponse. A server that answers with result sets instead
 * (START_REPLICATION past the end of a historic timeline) yields a stream that is already
 * over: its iterator is empty and end() returns those results.
 */
export const startCopyBoth = async (session: Session, sql: string, options: CopyBothOptions = {}): Promise<CopyBothStream> => {
  const during = 'start COPY BOTH';
  session.acquire(during);
  try {
    // Before the command: the first data may come in the same read as CopyBothResponse.
    if (options.pieces !== undefined) session.channel.copyDataPieces = options.pieces;
    session.send(queryMessage(sql));
    await session.channel.drain();
    const collector = new ResultCollector(session, during);
    for (;;) {
      const message = await session.read();
      if (collector.accept(message)) continue;
      switch (message.type) {
        case 'copyBothResponse':
          if (options.lendPayloads === true) session.channel.lendMessages(true);
          return new CopyBothSession(session, collector, true);
        case 'errorResponse':
          return await finishAfterError(session, new PgServerError(message.fields));
        case 'copyInResponse':
          session.send(copyFail(COPY_IN_REFUSAL));
          continue;
        case 'readyForQuery':
          if (collector.incomplete) break;
          return new CopyBothSession(session, collector, false);
        default:
          break;
      }
      throw session.unexpected(message, during);
    }
  } catch (error) {
    session.channel.copyDataPieces = 'off';
    session.release();
    throw error;
  }
};

class CopyBothSession implements CopyBothStream {
  readonly serverDone: Promise<void>;
  private resolveServerDone!: () => void;
  private serverSending: boolean;
  private clientSending: boolean;
  /** The server left COPY mode with CommandComplete (walsender shutdown) or an error. */
  private copyOver: boolean;
  private finished: boolean;
  private ending = false;
  private inflight: Promise<unknown> | undefined;
  private failure: Error | undefined;
  private endPromise: Promise<QueryResult[]> | undefined;
  continues = false;

  constructor(
    private readonly session: Session,
    private readonly collector: ResultCollector,
    copying: boolean,
  ) {
    this.serverSending = copying;
    this.clientSending = copying;
    this.copyOver = !copying;
    this.finished = !copying;
    this.serverDone = new Promise((resolve) => {
      this.resolveServerDone = resolve;
    });
    // Already over (results instead of COPY): released as a finished COPY is.
    if (!copying) this.done();
  }

  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    return { next: () => this.next(), return: async () => ({ done: true, value: undefined }) };
  }

  write(payload: Buffer): void {
    if (!this.clientSending || this.copyOver || this.finished) {
      throw new WarmstandbyError('copy-closed', 'Cannot send COPY data: the COPY is over');
    }
    this.session.send(copyData(payload));
  }

  drain(): Promise<void> {
    return this.session.channel.drain();
  }

  end(): Promise<QueryResult[]> {
    this.endPromise ??= this.finish();
    return this.endPromise;
  }

  private async next(): Promise<IteratorResult<Buffer>> {
    if (this.failure !== undefined) throw this.failure;
    if (!this.serverSending || this.ending) return { done: true, value: undefined };
    const read = this.readCopy();
    this.inflight = read;
    try {
      return await read;
    } finally {
      this.inflight = undefined;
    }
  }

  private async readCopy(): Promise<IteratorResult<Buffer>> {
    const during = 'read COPY BOTH data';
    const message = await this.session.read().catch((error: unknown) => this.fail(error));
    // Only payloads are lent: what ends the COPY (and the results after it) may be kept.
    if (message.type !== 'copyData' && message.type !== 'copyDataPiece') this.session.channel.lendMessages(false);
    switch (message.type) {
      case 'copyData':
      case 'copyDataPiece':
        this.continues = message.type === 'copyDataPiece';
        return { done: false, value: message.data };
      case 'copyDone':
        this.stopServer();
        return { done: true, value: undefined };
      case 'commandComplete':
        // A walsender shutting down ends COPY with CommandComplete, then exits.
        this.collector.accept(message);
        this.copyOver = true;
        this.stopServer();
        return { done: true, value: undefined };
      case 'errorResponse':
        this.copyOver = true;
        this.stopServer();
        return this.fail(await this.errorThenFinish(new PgServerError(message.fields)));
      default:
        return this.fail(this.session.unexpected(message, during));
    }
  }

  private async finish(): Promise<QueryResult[]> {
    this.ending = true;
    this.session.channel.lendMessages(false);
    if (this.finished) return this.outcome();
    await this.inflight?.catch(() => undefined);
    if (this.finished) return this.outcome();
    if (this.clientSending && !this.copyOver) {
      this.clientSending = false;
      try {
        this.session.send(copyDone());
      } catch (error) {
        this.fail(error);
      }
    }
    for (;;) {
      let message;
      try {
        message = await this.session.read();
      } catch (error) {
        // After a shutdown's CommandComplete the server exits without ReadyForQuery.
        if (this.copyOver && error instanceof ConnectionError && this.collector.results.length > 0) {
          this.done();
          return this.outcome();
        }
        this.fail(error);
      }
      if (this.collector.accept(message)) {
        if (message.type === 'commandComplete') this.copyOver = true;
        continue;
      }
      switch (message.type) {
        case 'copyData':
        case 'copyDataPiece':
          // Still in flight when we asked to stop: the caller chose to end, so it is dropped.
          if (this.serverSending && !this.copyOver) continue;
          break;
        case 'copyDone':
          if (!this.serverSending || this.copyOver) break;
          this.stopServer();
          continue;
        case 'errorResponse':
          this.copyOver = true;
          this.stopServer();
          this.fail(await this.errorThenFinish(new PgServerError(message.fields)));
          break;
        case 'readyForQuery':
          if (this.collector.incomplete) break;
          this.done();
          return this.outcome();
        default:
          break;
      }
      this.fail(this.session.unexpected(message, 'finish COPY BOTH'));
    }
  }

  private async errorThenFinish(error: PgServerError): Promise<Error> {
    try {
      await finishAfterError(this.session, error);
    } catch (final) {
      return final as Error;
    }
    return error;
  }

  private stopServer(): void {
    this.serverSending = false;
    this.resolveServerDone();
  }

  private done(): void {
    this.finished = true;
    this.clientSending = false;
    this.stopServer();
    this.session.channel.copyDataPieces = 'off';
    this.session.channel.lendMessages(false);
    this.session.release();
  }

  private outcome(): QueryResult[] {
    if (this.failure !== undefined) throw this.failure;
    return this.collector.results.map(textResult);
  }

  private fail(error: unknown): never {
    const failure = error instanceof Error ? error : new Error(String(error));
    if (this.failure === undefined) {
      this.failure = failure;
      this.copyOver = true;
      this.done();
    }
    throw this.failure;
  }
}
