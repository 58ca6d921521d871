import { type ErrorCode, WarmstandbyError, type ErrorOptions } from '../../errors.js';

/**
 * A data directory's own files (postmaster.pid, global/pg_control, the promote signal) are
 * missing, unreadable or inconsistent. Messages follow pg_ctl's where scripts match on them.
 */
export class ServerFileError extends WarmstandbyError {
  readonly path: string;
  constructor(code: ErrorCode, message: string, path: string, options: ErrorOptions = {}) {
    super(code, message, options);
    this.path = path;
  }
}
