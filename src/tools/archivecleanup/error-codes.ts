/** Codes of archivecleanup (usage errors are UsageError, exit 2 as pg_archivecleanup). */
export const ArchivecleanupErrorCode = {
  /** A .backup file that names no WAL file. */
  invalidBackupHistory: 'invalid-backup-history',
  /** No backup history file in the archive to clean up to. */
  noBackupHistory: 'no-backup-history',
} as const;
export type ArchivecleanupErrorCode = (typeof ArchivecleanupErrorCode)[keyof typeof ArchivecleanupErrorCode];

declare module '../../core/errors.js' {
  interface ErrorCodeTables {
    archivecleanup: typeof ArchivecleanupErrorCode;
  }
}
