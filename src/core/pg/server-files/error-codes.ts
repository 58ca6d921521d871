/** Codes of a data directory's own files: postmaster.pid, pg_control, promote. */
export const ServerFileErrorCode = {
  /** pg_control written on a machine of the other byte order. */
  controlFileByteOrder: 'control-file-byte-order',
  /** pg_control fails its CRC. */
  controlFileCorrupt: 'control-file-corrupt',
  /** A pg_control layout we do not know. */
  controlFileLayout: 'control-file-layout',
  /** pg_control shorter than its layout. */
  controlFileShort: 'control-file-short',
  /** A pg_control version we do not know. */
  controlFileVersion: 'control-file-version',
  /** The data directory cannot be read. */
  dataDirectoryInaccessible: 'data-directory-inaccessible',
  /** The data directory does not exist. */
  dataDirectoryMissing: 'data-directory-missing',
  /** A directory without PG_VERSION. */
  notAClusterDirectory: 'not-a-cluster-directory',
  /** postmaster.pid is empty. */
  pidFileEmpty: 'pid-file-empty',
  /** postmaster.pid does not parse. */
  pidFileInvalid: 'pid-file-invalid',
  /** The postmaster named in postmaster.pid is not running. */
  postmasterGone: 'postmaster-gone',
  /** postmaster.pid belongs to another server. */
  postmasterMismatch: 'postmaster-mismatch',
  /** The postmaster could not be signalled. */
  signalFailed: 'signal-failed',
  /** The promote signal file cannot be created. */
  promoteFileCreate: 'promote-file-create',
  /** The promote signal path is not a regular file. */
  promoteFileNotRegular: 'promote-file-not-regular',
  /** The promote signal file cannot be removed. */
  promoteFileRemove: 'promote-file-remove',
  /** The promote signal file cannot be written. */
  promoteFileWrite: 'promote-file-write',
} as const;
export type ServerFileErrorCode = (typeof ServerFileErrorCode)[keyof typeof ServerFileErrorCode];

declare module '../../errors.js' {
  interface ErrorCodeTables {
    serverFiles: typeof ServerFileErrorCode;
  }
}
