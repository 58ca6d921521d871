/** Codes of the replication protocol's commands and server facts. */
export const ReplicationErrorCode = {
  /** The server's data_directory_mode is not a mode. */
  directoryMode: 'directory-mode',
  /** A SHOW argument that is not a setting name. */
  invalidSettingName: 'invalid-setting-name',
  /** A slot name PostgreSQL would refuse. */
  invalidSlotName: 'invalid-slot-name',
  /** A backup manifest larger than we hold in memory. */
  manifestTooLarge: 'manifest-too-large',
  /** BASE_BACKUP ended without its end position. */
  noEndPosition: 'no-end-position',
  /** The server's wal_segment_size is not a valid segment size. */
  segmentSize: 'segment-size',
  /** A tablespace archive name that must not become a path. */
  unsafeArchiveName: 'unsafe-archive-name',
  /** A server major version these tools do not speak. */
  unsupportedServerVersion: 'unsupported-server-version',
} as const;
export type ReplicationErrorCode = (typeof ReplicationErrorCode)[keyof typeof ReplicationErrorCode];

declare module '../../errors.js' {
  interface ErrorCodeTables {
    replication: typeof ReplicationErrorCode;
  }
}
