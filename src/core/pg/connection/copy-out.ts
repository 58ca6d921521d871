import type { CopyDataPieces } from '../protocol/backend.js';
import { copyFail, query as queryMessage } from '../protocol/frontend.js';
import { ConnectionError, ConnectionErrorCode, PgServerError } from './errors.js';
import { type QueryResult, type RawQueryResult, ResultCollector, textResult } from './results.js';
import type { Session } from './session.js';
import { COPY_IN_REFUSAL, finishAfterError } from './simple-query.js';

/**
 * Optional callbacks, called in stream order while the iterator runs: result sets that come
 * before or between COPYs (BASE_BACKUP's start position and tablespace list) and the start
 * and end of each COPY (servers before 15 send one per tablespace).
 */
export interface CopyOutHandlers {
  onResult?(result: QueryResult): void;
  onCopyStart?(index: number): void;
  onCopyEnd?(index: number): void;
  /**
   * CopyData messages split across socket reads come in pieces instead of gathered (see
   * CopyDataPieces): for a consumer to which the bytes, not the message boundaries, matter.
   */
  pieces?: CopyDataPieces;
}

/** The contract's copyOut() value: CopyData payloads, then every result set of the command. */
export type CopyOutStream = AsyncIterable<Buffer> & {
  readonly results: Promise<QueryResult[]>;
  /** The payload just yielded continues the one before it (same CopyData message). */
  readonly continues: boolean;
};

const CopyState = { before: 'before', copying: 'copying', between: 'between', done: 'done' } as const;
type CopyState = (typeof CopyState)[keyof typeof CopyState];

/**
 * Runs a command that answers with one or more CopyOut phases. The iterator yields each
 * CopyData payload (views of fresh socket chunks, never reused); it ends at ReadyForQuery,
 * when `results` resolves.
 * Leaving the loop early closes the connection: the protocol has no way to stop a CopyOut
 * other than reading all of it.
 */
export class CopyOutReader implements AsyncIterableIterator<Buffer> {
  readonly results: Promise<QueryResult[]>;
  private resolveResults!: (results: QueryResult[]) => void;
  private rejectResults!: (error: Error) => void;
  private state: CopyState = CopyState.before;
  private copies = 0;
  private error: PgServerError | undefined;
  private readonly collector: ResultCollector;
  private readonly during = 'read COPY data';
  continues = false;

  constructor(
    private readonly session: Session,
    sql: string,
    private readonly handlers: CopyOutHandlers = {},
  ) {
    this.results = new Promise((resolve, reject) => {
      this.resolveResults = resolve;
      this.rejectResults = reject;
    });
    // Consumers that only iterate must not see an unhandled rejection from `results`.
    this.results.catch(() => undefined);
    this.collector = new ResultCollector(session, this.during, (raw: RawQueryResult) =>
      this.handlers.onResult?.(textResult(raw)),
    );
    session.acquire('start COPY');
    // Set before the command is sent: every CopyData of its answer is parsed so.
    if (handlers.pieces !== undefined) session.channel.copyDataPieces = handlers.pieces;
    session.send(queryMessage(sql));
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<Buffer>> {
    if (this.state === CopyState.done) return { done: true, value: undefined };
    try {
      return await this.advance();
    } catch (error) {
      this.settle(error as Error);
      throw error;
    }
  }

  async return(): Promise<IteratorResult<Buffer>> {
    if (this.state !== CopyState.done) {
      const error = new ConnectionError(
        ConnectionErrorCode.closed,
        'Cannot finish COPY: the reader stopped early, so the connection was closed',
      );
      this.session.channel.fail(error);
      this.settle(error);
    }
    return { done: true, value: undefined };
  }

  private async advance(): Promise<IteratorResult<Buffer>> {
    for (;;) {
      const message = await this.session.read();
      if (this.state !== CopyState.copying && this.collector.accept(message)) continue;
      switch (message.type) {
        case 'copyOutResponse':
          if (this.state === CopyState.copying) break;
          this.state = CopyState.copying;
          this.handlers.onCopyStart?.(this.copies);
          continue;
        case 'copyData':
        case 'copyDataPiece':
          if (this.state !== CopyState.copying) break;
          this.continues = message.type === 'copyDataPiece';
          return { done: false, value: message.data };
        case 'copyDone':
          if (this.state !== CopyState.copying) break;
          this.state = CopyState.between;
          this.handlers.onCopyEnd?.(this.copies++);
          continue;
        case 'errorResponse':
          this.error = new PgServerError(message.fields);
          this.state = CopyState.between;
          return finishAfterError(this.session, this.error);
        case 'copyInResponse':
          if (this.state === CopyState.copying) break;
          this.session.send(copyFail(COPY_IN_REFUSAL));
          continue;
        case 'readyForQuery':
          if (this.state === CopyState.copying || this.collector.incomplete) break;
          this.settle(undefined);
          return { done: true, value: undefined };
        default:
          break;
      }
      throw this.session.unexpected(message, this.during);
    }
  }

  private settle(error: Error | undefined): void {
    if (this.state === CopyState.done) return;
    this.state = CopyState.done;
    if (this.handlers.pieces !== undefined) this.session.channel.copyDataPieces = 'off';
    this.session.release();
    if (error === undefined) this.resolveResults(this.collector.results.map(textResult));
    else this.rejectResults(error);
  }
}
