import { type ErrorOptions, WarmstandbyError } from '../../errors.js';
import type { NoticeFields } from '../protocol/messages.js';

/** Stable codes for failures on the client side of a connection. */
export const ConnectionErrorCode = {
  /** Could not reach the server (refused, unreachable, DNS). */
  failed: 'connection-failed',
  /** connect_timeout elapsed. */
  timeout: 'connection-timeout',
  /** The caller's AbortSignal fired. */
  aborted: 'connection-aborted',
  /** sslmode demands TLS and the server refused it. */
  tlsRequired: 'tls-required',
  /** The TLS handshake failed for another reason than certificate checks. */
  tlsFailed: 'tls-failed',
  /** The server's certificate chain or host name did not verify. */
  tlsVerification: 'tls-verification-failed',
  /** sslrootcert / sslcert / sslkey unusable (missing, unreadable, too open). */
  tlsConfiguration: 'tls-configuration',
  /** The server closed the connection, or the socket failed, while we needed it. */
  lost: 'connection-lost',
  /** We closed it (close(), or after a protocol error); no more commands. */
  closed: 'connection-closed',
  /** A second command was started while one was in progress. */
  busy: 'connection-busy',
  /** The server is not the kind asked for (target_session_attrs, integer_datetimes). */
  unsuitable: 'connection-unsuitable',
  /** CopyBoth was used after it ended. */
  copyClosed: 'copy-closed',
  /** A state this client should never reach: a bug, reported rather than hidden. */
  internal: 'internal',
} as const;
export type ConnectionErrorCode = (typeof ConnectionErrorCode)[keyof typeof ConnectionErrorCode];

export class ConnectionError extends WarmstandbyError {
  constructor(code: ConnectionErrorCode, message: string, options: ErrorOptions = {}) {
    super(code, message, { exitStatus: 1, ...options });
  }
}

/** A NoticeResponse, surfaced as a 'notice' event. */
export interface PgNotice {
  severity: string;
  sqlstate: string;
  message: string;
  detail?: string;
  hint?: string;
}

/** Stable codes for server errors: authentication failures are told apart for scripts. */
export const PgServerErrorCode = {
  authentication: 'authentication-failed',
  server: 'server-error',
} as const;

declare module '../../errors.js' {
  interface ErrorCodeTables {
    connection: typeof ConnectionErrorCode;
  }
}

declare module '../../errors.js' {
  interface ErrorCodeTables {
    pgServer: typeof PgServerErrorCode;
  }
}

/**
 * An ErrorResponse. `message` is the server's primary message (prefixed with libpq's
 * "connection to server ... failed:" line when it ended a connection attempt); `hint` is our
 * own advice, `serverHint` the server's.
 */
export class PgServerError extends WarmstandbyError {
  readonly sqlstate: string;
  readonly severity: string;
  readonly detail?: string;
  readonly serverHint?: string;
  /** The server's primary message without any prefix. */
  readonly serverMessage: string;
  /** Every field of the ErrorResponse, keyed by its one-letter code. */
  readonly fields: NoticeFields;

  constructor(fields: NoticeFields, options: ErrorOptions & { readonly prefix?: string } = {}) {
    const severity = fields['V'] ?? fields['S'] ?? 'ERROR';
    const sqlstate = fields['C'] ?? 'XX000';
    const serverMessage = fields['M'] ?? 'the server reported an error without a message';
    const message = options.prefix === undefined ? serverMessage : `${options.prefix}${severity}:  ${serverMessage}`;
    // Invalid authorization specification (28000) and invalid password (28P01).
    const code = sqlstate.startsWith('28') ? PgServerErrorCode.authentication : PgServerErrorCode.server;
    super(code, message, { exitStatus: 1, ...options });
    this.sqlstate = sqlstate;
    this.severity = severity;
    this.serverMessage = serverMessage;
    this.fields = fields;
    if (fields['D'] !== undefined) this.detail = fields['D'];
    if (fields['H'] !== undefined) this.serverHint = fields['H'];
  }
}

export const noticeFromFields = (fields: NoticeFields): PgNotice => {
  const notice: PgNotice = {
    severity: fields['V'] ?? fields['S'] ?? 'NOTICE',
    sqlstate: fields['C'] ?? '00000',
    message: fields['M'] ?? '',
  };
  if (fields['D'] !== undefined) notice.detail = fields['D'];
  if (fields['H'] !== undefined) notice.hint = fields['H'];
  return notice;
};

/**
 * A failure as libpq's PQerrorMessage shows a server error ("ERROR:  message"), which the
 * C tools print after their own context ("could not initiate base backup: ERROR:  ...");
 * any other error, its message.
 */
export const serverErrorText = (error: unknown): string =>
  error instanceof PgServerError ? `${error.severity}:  ${error.serverMessage}` : (error as Error).message;
