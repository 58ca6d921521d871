/** Codes of restorewal (exit statuses: RestoreExit). */
export const RestorewalErrorCode = {
  /** The archive itself cannot be read. */
  archiveMissing: 'archive-missing',
  /** An archived file that fails its checksum or decompression. */
  corruptArchivedFile: 'corrupt-archived-file',
  /** An archived .backup file that does not parse. */
  invalidBackupHistoryFile: 'invalid-backup-history-file',
  /** The file is not archived (yet). */
  notInArchive: 'not-in-archive',
  /** A restored segment of the wrong size. */
  walSizeMismatch: 'wal-size-mismatch',
} as const;
export type RestorewalErrorCode = (typeof RestorewalErrorCode)[keyof typeof RestorewalErrorCode];

declare module '../../core/errors.js' {
  interface ErrorCodeTables {
    restorewal: typeof RestorewalErrorCode;
  }
}
