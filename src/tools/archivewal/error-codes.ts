/** Codes of archivewal's asynchronous mode. */
export const ArchivewalErrorCode = {
  /** The pusher reported the segment failed. */
  asyncPushFailed: 'async-push-failed',
  /** The pusher did not confirm the segment within --timeout. */
  asyncTimeout: 'async-timeout',
} as const;
export type ArchivewalErrorCode = (typeof ArchivewalErrorCode)[keyof typeof ArchivewalErrorCode];

declare module '../../core/errors.js' {
  interface ErrorCodeTables {
    archivewal: typeof ArchivewalErrorCode;
  }
}
