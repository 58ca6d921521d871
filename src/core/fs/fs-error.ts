import { FileSystemError, messageOf } from '../errors.js';

const reasons: Readonly<Record<string, string>> = {
  ENOSPC: 'No space left on device',
  EDQUOT: 'Disk quota exceeded',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  ENOENT: 'No such file or directory',
  EEXIST: 'File exists',
  EISDIR: 'Is a directory',
  ENOTDIR: 'Not a directory',
  EROFS: 'Read-only file system',
  EIO: 'Input/output error',
  EXDEV: 'Invalid cross-device link',
  EMLINK: 'Too many links',
  ENOTSUP: 'Operation not supported',
  ENAMETOOLONG: 'File name too long',
};

/** Codes of file-system failures: the errno values callers branch on, and 'io-error'. */
export const FsErrorCode = {
  diskFull: 'disk-full',
  permissionDenied: 'permission-denied',
  fileNotFound: 'file-not-found',
  fileExists: 'file-exists',
  readOnlyFileSystem: 'read-only-file-system',
  /** Every other errno, and failures that carry none. */
  ioError: 'io-error',
} as const;
export type FsErrorCode = (typeof FsErrorCode)[keyof typeof FsErrorCode];

declare module '../errors.js' {
  interface ErrorCodeTables {
    fs: typeof FsErrorCode;
  }
}

const codes: Readonly<Record<string, FsErrorCode>> = {
  ENOSPC: FsErrorCode.diskFull,
  EDQUOT: FsErrorCode.diskFull,
  EACCES: FsErrorCode.permissionDenied,
  EPERM: FsErrorCode.permissionDenied,
  ENOENT: FsErrorCode.fileNotFound,
  EEXIST: FsErrorCode.fileExists,
  EROFS: FsErrorCode.readOnlyFileSystem,
};

/** The errno name (`ENOENT`) of a Node error, or of a FileSystemError's cause. */
export const errnoOf = (error: unknown): string | undefined => {
  const direct = (error as { code?: unknown } | null)?.code;
  if (typeof direct === 'string' && /^E[A-Z]+$/.test(direct)) return direct;
  const cause = (error as { cause?: unknown } | null)?.cause;
  return cause === undefined ? undefined : errnoOf(cause);
};

/** The plain reason of a file-system error ("No space left on device"), like strerror(3). */
export const reasonOf = (error: unknown): string => {
  const errno = errnoOf(error);
  return (
    (errno === undefined ? undefined : reasons[errno]) ?? messageOf(error)
  );
};

/** The stable FileSystemError code for an error ('disk-full', 'permission-denied', ...). */
export const fsCodeOf = (error: unknown): FsErrorCode => {
  const errno = errnoOf(error);
  return (errno === undefined ? undefined : codes[errno]) ?? FsErrorCode.ioError;
};

/**
 * Wraps a Node file-system error as `Cannot <action> "path": <reason>`. An error that is
 * already a FileSystemError passes through unchanged.
 */
export const fileSystemError = (
  error: unknown,
  action: string,
  path: string,
  hint?: string,
): FileSystemError => {
  if (error instanceof FileSystemError) return error;
  return new FileSystemError(
    fsCodeOf(error),
    `Cannot ${action} "${path}": ${reasonOf(error)}`,
    path,
    hint === undefined ? { cause: error } : { cause: error, hint },
  );
};

/**
 * What a write(2) that makes no progress without an errno means: a full disk, as
 * pg_receivewal and pg_basebackup assume. For the write-until-done loops to throw (wrapped).
 */
export const noProgressError = (): Error => Object.assign(new Error('no progress'), { code: 'ENOSPC' });

/** withFsError for a synchronous call. */
export const withFsErrorSync = <T>(action: string, path: string, operation: () => T): T => {
  try {
    return operation();
  } catch (error) {
    throw fileSystemError(error, action, path);
  }
};

/** Runs `operation`, rethrowing its failure as a FileSystemError for `action` on `path`. */
export const withFsError = async <T>(action: string, path: string, operation: () => Promise<T>): Promise<T> => {
  try {
    return await operation();
  } catch (error) {
    throw fileSystemError(error, action, path);
  }
};
