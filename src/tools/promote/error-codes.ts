/** Codes of promote (exit statuses as pg_ctl promote). */
export const PromoteErrorCode = {
  /** --check could not connect to the server. */
  checkConnect: 'check-connect',
  /** --check found the standby not fit to promote. */
  checkFailed: 'check-failed',
  /** No postmaster.pid: the server is not running. */
  noPidFile: 'no-pid-file',
  /** The server is not a standby. */
  notInStandby: 'not-in-standby',
  /** The role may not call pg_promote(). */
  promotePermission: 'promote-permission',
  /** The server did not leave recovery within --timeout. */
  promoteTimeout: 'promote-timeout',
  /** The standby has not replayed what it received. */
  replayBehind: 'replay-behind',
  /** The server runs in single-user mode. */
  singleUserServer: 'single-user-server',
} as const;
export type PromoteErrorCode = (typeof PromoteErrorCode)[keyof typeof PromoteErrorCode];

declare module '../../core/errors.js' {
  interface ErrorCodeTables {
    promote: typeof PromoteErrorCode;
  }
}
