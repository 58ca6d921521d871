/** Codes of receivewal. */
export const ReceivewalErrorCode = {
  /** A segment could not be shipped to the archive. */
  archiveFailed: 'archive-failed',
  /** A connection string naming a database (replication=database). */
  databaseSpecific: 'database-specific',
  /** The target directory cannot be used. */
  directory: 'directory',
  /** The server closed the stream. */
  disconnected: 'disconnected',
  /** The server belongs to another system than the directory's WAL. */
  foreignSystem: 'foreign-system',
  /** IDENTIFY_SYSTEM failed or answered wrongly. */
  identifySystem: 'identify-system',
  /** A server version receivewal does not stream from. */
  serverVersion: 'server-version',
  /** --create-slot or --drop-slot failed. */
  slotAction: 'slot-action',
  /** The slot named with -S does not exist. */
  slotMissing: 'slot-missing',
  /** The slot named with -S is a logical slot. */
  slotNotPhysical: 'slot-not-physical',
} as const;
export type ReceivewalErrorCode = (typeof ReceivewalErrorCode)[keyof typeof ReceivewalErrorCode];

declare module '../../core/errors.js' {
  interface ErrorCodeTables {
    receivewal: typeof ReceivewalErrorCode;
  }
}
