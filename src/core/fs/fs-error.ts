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

/** Stable codes for the errno values callers branch on; everything else is 'io-error'. */
const codes: Readonly<Record<string, string>> = {
  ENOSPC: 'disk-full',
  EDQUOT: 'disk-full',
  EACCES: 'permission-denied',
  EPERM: 'permission-denied',
  ENOENT: 'file-not-found',
  EEXIST: 'file-exists',
  EROFS: 'read-only-file-system',
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
export const fsCodeOf = (error: unknown): string => {
  const errno = errnoOf(error);
  return (errno === undefined ? undefined : codes[errno]) ?? 'io-error';
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

/** Runs `operation`, rethrowing its failure as a FileSystemError for `action` on `path`. */
export const withFsError = async <T>(action: string, path: string, operation: () => Promise<T>): Promise<T> => {
  try {
    return await operation();
  } catch (error) {
    throw fileSystemError(error, action, path);
  }
};
