import { type ErrorOptions, WarmstandbyError } from '../../errors.js';

/** Stable codes for client-side authentication failures (the server's own are PgServerError). */
export const AuthenticationErrorCode = {
  /** The server's SCRAM messages are malformed or violate RFC 5802. */
  scramProtocol: 'auth-scram-protocol',
  /** The server nonce does not extend ours: a replay or a confused server. */
  scramNonce: 'auth-scram-nonce',
  /** The iteration count is outside the bounds we accept. */
  scramIterations: 'auth-scram-iterations',
  /** The server could not prove it knows the password (ServerSignature mismatch). */
  scramServerSignature: 'auth-scram-server-signature',
  /** The server sent an `e=` error attribute in server-final-message. */
  scramServerError: 'auth-scram-server-error',
  /** The server asked for a method require_auth does not allow. */
  requirementFailed: 'auth-requirement-failed',
  /** Channel binding was required and cannot be done. */
  channelBinding: 'auth-channel-binding',
  /** The server asked for a password and none is available. */
  passwordRequired: 'auth-password-required',
  /** No password prompt is possible (no controlling terminal). */
  noTerminal: 'auth-no-terminal',
  /** The user cancelled the password prompt (Ctrl-C, Ctrl-D, or the job was aborted). */
  promptCancelled: 'auth-prompt-cancelled',
  /** The server asked for a method we do not implement (GSS, SSPI, ...). */
  unsupportedMethod: 'auth-unsupported-method',
} as const;
export type AuthenticationErrorCode =
  (typeof AuthenticationErrorCode)[keyof typeof AuthenticationErrorCode];

declare module '../../errors.js' {
  interface ErrorCodeTables {
    authentication: typeof AuthenticationErrorCode;
  }
}

export class AuthenticationError extends WarmstandbyError {
  constructor(code: AuthenticationErrorCode, message: string, options: ErrorOptions = {}) {
    super(code, message, { exitStatus: 1, ...options });
  }
}
