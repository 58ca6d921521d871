/** Codes for WAL names, positions, pages and files that fail validation. */
export const WalErrorCode = {
  /** Not an LSN of the form X/X. */
  invalidLsn: 'invalid-lsn',
  /** Not a WAL file name of the kind expected. */
  invalidWalName: 'invalid-wal-name',
  /** A segment number outside what the segment size allows. */
  invalidSegmentNumber: 'invalid-segment-number',
  /** Not a power of two between 1 MB and 1 GB. */
  invalidSegmentSize: 'invalid-segment-size',
  /** Timeline 0, or one past 2^32 - 1. */
  invalidTimeline: 'invalid-timeline',
  /** A timeline history file that does not parse. */
  invalidHistoryFile: 'invalid-history-file',
  /** A page header that does not belong at this position. */
  walHeaderMismatch: 'wal-header-mismatch',
  /** WAL of another database system. */
  walForeignSystem: 'wal-foreign-system',
  /** WAL of another system or timeline found where ours belongs. */
  foreignWal: 'foreign-wal',
  /** A WAL path that is not a regular file. */
  walNotRegularFile: 'wal-not-regular-file',
  /** WAL arriving at a position other than the next one. */
  walOutOfOrder: 'wal-out-of-order',
  /** A .partial file whose size is not the segment size. */
  walPartialSize: 'wal-partial-size',
} as const;
export type WalErrorCode = (typeof WalErrorCode)[keyof typeof WalErrorCode];

declare module '../errors.js' {
  interface ErrorCodeTables {
    wal: typeof WalErrorCode;
  }
}
