import { PgServerError } from '../../core/pg/connection/errors.js';
import { WarmstandbyError } from '../../core/errors.js';

/** A condition retrying cannot fix: receivewal exits 1 even without -n. */
export class FatalStreamError extends WarmstandbyError {}

/** A failure during streaming: logged, then reconnect (or exit 1 with -n). */
export class StreamInterrupted extends Error {
  constructor(
    message: string,
    readonly original: unknown,
  ) {
    super(message);
  }
}

/** The text after pg_receivewal's "could not send replication command "X": ". */
export const serverErrorText = (error: unknown): string =>
  error instanceof PgServerError ? `${error.severity}:  ${error.serverMessage}` : (error as Error).message;
