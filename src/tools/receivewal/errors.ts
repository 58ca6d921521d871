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

