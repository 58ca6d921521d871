/** Codes of WAL archives, in a directory or a bucket. */
export const ArchiveErrorCode = {
  /** The archive location exists and is not a directory. */
  archiveNotDirectory: 'archive-not-directory',
  /** A file of that name is archived with other content. */
  archivedDiffers: 'archived-differs',
  /** The archive's record of its system is damaged. */
  invalidArchiveSystemId: 'invalid-archive-system-id',
  /** A name from outside that must not become a path. */
  refusedFile: 'refused-file',
  /** The CA bundle for the object store cannot be read. */
  s3CaFile: 's3-ca-file',
  /** The object store's certificate does not verify. */
  s3Certificate: 's3-certificate',
  /** The object store answered with an error. */
  s3Error: 's3-error',
  /** The bucket does not exist. */
  s3NoSuchBucket: 's3-no-such-bucket',
  /** The credentials may not do what was asked. */
  s3AccessDenied: 's3-access-denied',
  /** The object store cannot be reached (after the retries). */
  s3Unreachable: 's3-unreachable',
  /** An object larger than any file we archive. */
  s3TooLarge: 's3-too-large',
} as const;
export type ArchiveErrorCode = (typeof ArchiveErrorCode)[keyof typeof ArchiveErrorCode];

declare module '../errors.js' {
  interface ErrorCodeTables {
    archive: typeof ArchiveErrorCode;
  }
}
