/** Codes of basebackup. */
export const BasebackupErrorCode = {
  /** The server found data-page checksum failures. */
  checksumFailure: 'checksum-failure',
  /** The replication slot of -C could not be created. */
  createSlot: 'create-slot',
  /** Server-side compression on a server before 15. */
  serverCompressionUnsupported: 'server-compression-unsupported',
  /** Tar to stdout with tablespaces besides the main one. */
  stdoutTablespaces: 'stdout-tablespaces',
  /** A tablespace location that is not absolute or not empty. */
  tablespaceLocation: 'tablespace-location',
  /** -R with a backup target. */
  targetRecovery: 'target-recovery',
  /** A backup target on a server before 15. */
  targetUnsupported: 'target-unsupported',
  /** --verify found the written backup differs from its manifest. */
  verifyFailed: 'verify-failed',
  /** The WAL stream beside the backup failed. */
  walStreamFailed: 'wal-stream-failed',
} as const;
export type BasebackupErrorCode = (typeof BasebackupErrorCode)[keyof typeof BasebackupErrorCode];

declare module '../../core/errors.js' {
  interface ErrorCodeTables {
    basebackup: typeof BasebackupErrorCode;
  }
}
