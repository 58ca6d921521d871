import { ProtocolError } from '../../errors.js';
import { copyFail, query as queryMessage } from '../protocol/frontend.js';
import { ConnectionError, PgServerError } from './errors.js';
import { type RawQueryResult, ResultCollector } from './results.js';
import type { Session } from './session.js';

/** COPY FROM STDIN is refused by answering CopyInResponse with CopyFail (the text is logged). */
export const COPY_IN_REFUSAL = 'COPY FROM STDIN is not supported by this client';

/**
 * Reads what follows an ErrorResponse up to ReadyForQuery. A server that ends the connection
 * instead (FATAL) has said all it will: its error is the one to report.
 */
export const finishAfterError = async (session: Session, error: PgServerError): Promise<never> => {
  try {
    for (;;) {
      const message = await session.read();
      if (message.type === 'readyForQuery') break;
      if (message.type === 'errorResponse') continue;
      throw session.unexpected(message, 'finish a failed command');
    }
  } catch (readError) {
    if (!(readError instanceof ConnectionError)) throw readError;
  }
  throw error;
};

/**
 * Sends one simple Query and gathers every result set up to ReadyForQuery. The caller holds
 * the session.
 */
export const runSimpleQuery = async (session: Session, sql: string): Promise<RawQueryResult[]> => {
  session.send(queryMessage(sql));
  await session.channel.drain();
  return readSimpleQueryResults(session, 'run a query');
};

/**
 * Sends several simple Queries in one write and reads their answers in order: one round trip
 * instead of one per statement. Each Query is its own implicit transaction, so a statement
 * the server refuses (a missing privilege) is recorded as its PgServerError and the next one
 * still runs; a FATAL error or a broken connection rejects the whole call. The caller holds
 * the session.
 */
export const runPipelinedQueries = async (
  session: Session,
  statements: readonly string[],
): Promise<Array<RawQueryResult[] | PgServerError>> => {
  session.send(Buffer.concat(statements.map((sql) => queryMessage(sql))));
  await session.channel.drain();
  const answers: Array<RawQueryResult[] | PgServerError> = [];
  for (let i = 0; i < statements.length; i += 1) {
    try {
      answers.push(await readSimpleQueryResults(session, 'run a pipelined query'));
    } catch (error) {
      if (!(error instanceof PgServerError) || error.severity === 'FATAL' || error.severity === 'PANIC') throw error;
      answers.push(error);
    }
  }
  return answers;
};

/** One Query's answer: every result set up to its ReadyForQuery; an ErrorResponse is thrown after it. */
const readSimpleQueryResults = async (session: Session, during: string): Promise<RawQueryResult[]> => {
  const collector = new ResultCollector(session, during);
  let error: PgServerError | undefined;
  for (;;) {
    const message = await session.read();
    if (collector.accept(message)) continue;
    switch (message.type) {
      case 'errorResponse':
        error = new PgServerError(message.fields);
        if (error.severity === 'FATAL' || error.severity === 'PANIC') return finishAfterError(session, error);
        continue;
      case 'copyInResponse':
        session.send(copyFail(COPY_IN_REFUSAL));
        continue;
      case 'readyForQuery':
        if (error !== undefined) throw error;
        if (collector.incomplete) throw session.unexpected(message, during);
        return collector.results;
      case 'copyOutResponse':
      case 'copyBothResponse': {
        const protocolError = new ProtocolError(
          `Cannot ${during}: the server started a COPY; use copyOut() or copyBoth() for this command`,
        );
        session.channel.fail(protocolError);
        throw protocolError;
      }
      default:
        throw session.unexpected(message, during);
    }
  }
};
