/** Codes of replstatus. */
export const ReplstatusErrorCode = {
  /** synchronous_standby_names does not parse. */
  syncNamesSyntax: 'sync-names-syntax',
} as const;
export type ReplstatusErrorCode = (typeof ReplstatusErrorCode)[keyof typeof ReplstatusErrorCode];

declare module '../../core/errors.js' {
  interface ErrorCodeTables {
    replstatus: typeof ReplstatusErrorCode;
  }
}
