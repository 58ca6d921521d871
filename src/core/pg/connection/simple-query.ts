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
  const during = 'run a query';
  session.send(queryMessage(sql));
  await session.channel.drain();
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
