/** Codes of base backups: tar streams, manifests, the WAL streamed beside them. */
export const BackupErrorCode = {
  /** A backup archive whose first block is no tar header. */
  archiveNotTar: 'archive-not-tar',
  /** A file cannot be added to a server-compressed archive. */
  injectIntoCompressed: 'inject-into-compressed',
  /** -R cannot add its files to a server-compressed archive. */
  recoveryIntoCompressed: 'recovery-into-compressed',
  /** backup_manifest fails its own checksum. */
  manifestChecksum: 'manifest-checksum',
  /** backup_manifest is not the JSON the server writes. */
  manifestParse: 'manifest-parse',
  /** WAL streaming beside the backup was stopped. */
  streamAborted: 'stream-aborted',
  /** WAL streaming ended before the backup's end position. */
  streamEnded: 'stream-ended',
  /** Streamed WAL of another system than the backup's. */
  systemMismatch: 'system-mismatch',
  /** The timeline the backup needs is not in the server's history. */
  timelineMissing: 'timeline-missing',
  /** A tar header whose checksum is wrong. */
  tarChecksum: 'tar-checksum',
  /** A link member where none may be. */
  tarLinkMember: 'tar-link-member',
  /** A link whose target leaves the output. */
  tarLinkTarget: 'tar-link-target',
  /** A member name that would leave the output. */
  tarMemberName: 'tar-member-name',
  /** A member type we do not write (devices, FIFOs). */
  tarMemberType: 'tar-member-type',
  /** A name longer than a tar header holds. */
  tarNameTooLong: 'tar-name-too-long',
  /** A tar archive whose end is not two zero blocks. */
  tarTrailer: 'tar-trailer',
  /** A tar archive that ends inside a member. */
  tarTruncated: 'tar-truncated',
} as const;
export type BackupErrorCode = (typeof BackupErrorCode)[keyof typeof BackupErrorCode];

declare module '../errors.js' {
  interface ErrorCodeTables {
    backup: typeof BackupErrorCode;
  }
}
