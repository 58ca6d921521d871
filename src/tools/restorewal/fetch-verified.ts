import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import type { ArchiveStore, StoredVariant } from '../../core/archive/archive-store.js';
import { readArchiveSystemId } from '../../core/archive/system-id.js';
import { decompressBuffer } from '../../core/compression/codec.js';
import { CompressionError } from '../../core/compression/compression-error.js';
import { type ErrorCode, FileSystemError, ValidationError, WarmstandbyError } from '../../core/errors.js';
import { copyToTempFile, writeTempFile } from '../../core/fs/durable.js';
import { fileSystemError, withFsErrorSync } from '../../core/fs/fs-error.js';
import { readControlSystemId } from '../../core/pg/server-files/control-system-id.js';
import { isBackupHistoryText, MAX_BACKUP_HISTORY_BYTES } from '../../core/wal/backup-history.js';
import { DEFAULT_SEGMENT_SIZE, MAX_SEGMENT_SIZE } from '../../core/wal/segment-size.js';
import { MAX_HISTORY_BYTES, validateSegmentHeaderWithHistory } from '../../core/wal/timeline-ancestry.js';
import { parseTimelineHistory } from '../../core/wal/timeline-history.js';
import type { WalFileName } from '../../core/wal/wal-file-kind.js';
import { RestoreExit } from './exit-status.js';
import { type CopiedHead, headOfCopy, lengthFitsSegment } from './restored-copy.js';

/** The requested file is simply not archived (yet): exit 1, the standby asks again later. */
export class NotInArchiveError extends WarmstandbyError {
  constructor(file: string, archive: string) {
    super('not-in-archive', `"${file}" is not in archive "${archive}"`, { exitStatus: RestoreExit.notInArchive });
  }
}

const fatal = (code: ErrorCode, status: number, message: string, cause?: unknown): WarmstandbyError =>
  new WarmstandbyError(code, message, { exitStatus: status, ...(cause === undefined ? {} : { cause }) });

/** A WAL file from the archive, checked: its content, where it came from, the system it belongs to. */
export interface VerifiedFile {
  readonly content: Buffer;
  readonly variant: StoredVariant;
  readonly systemIdentifier: string | undefined;
}

/**
 * Finds `file` in the archive (plain or compressed), reads it, checks the recorded
 * checksum, decompresses it and checks it belongs under its name and to this system (the
 * data directory `cwd`'s pg_control, else the archive's record). Used for the file the
 * server asks for and for the ones the prefetcher fetches ahead.
 */
export const fetchVerified = async (store: ArchiveStore, file: WalFileName, cwd: string): Promise<VerifiedFile> =>
  readVerified(store, file, cwd, await findVariant(store, file));

/** fetchVerified once the stored form is known. */
const readVerified = async (
  store: ArchiveStore, file: WalFileName, cwd: string, variant: StoredVariant,
): Promise<VerifiedFile> => {
  const content = await readContent(store, variant, file);
  const systemIdentifier = await expectedSystem(store, cwd);
  await checkContent(file, content, systemIdentifier, store);
  return { content, variant, systemIdentifier };
};

/** The stored form to restore from (plain first), or why there is none. */
const findVariant = async (store: ArchiveStore, file: WalFileName): Promise<StoredVariant> => {
  const variants = await store.variants(file).catch((error: unknown) => {
    throw asIoError(error);
  });
  const variant = variants[0];
  if (variant !== undefined) return variant;
  // A typo in restore_command or an unmounted archive looks exactly like "not archived
  // yet" to the server, which would wait forever in silence: say it, every time.
  const unusable = await store.unusableReason();
  if (unusable !== undefined) {
    throw new FileSystemError('archive-missing', `Cannot read archive "${store.location}": ${unusable}`, store.location, {
      exitStatus: RestoreExit.ioError,
    });
  }
  throw new NotInArchiveError(file.name, store.location);
};

/** A verified file written to a temporary name: where it came from, its size. */
export interface RestoredFile {
  readonly variant: StoredVariant;
  readonly systemIdentifier: string | undefined;
  readonly bytes: number;
}

/**
 * fetchVerified, written to `tmp` (created exclusively, mode 0600, fsynced when `sync`). A
 * plain segment in a directory archive is copied by the kernel (copy_file_range, as cp
 * does) and the copy's header and size checked: read whole into this process, a 16 MB
 * segment costs ~50 ms of fresh memory here, more than the copy itself. The check reads
 * the copy, so what is verified is what the server gets: a link swapped in under the
 * archived name after the lookup (the copy follows it, where the in-memory read refused
 * links) cannot put anything at %p that is not this segment of this system.
 */
export const fetchVerifiedTo = async (
  store: ArchiveStore, file: WalFileName, cwd: string, tmp: string, sync: boolean,
): Promise<RestoredFile> => {
  const variant = await findVariant(store, file);
  const local = variant.compression === 'none' && file.kind !== 'history' && file.kind !== 'backup'
    ? store.localPath(variant.name)
    : undefined;
  if (local === undefined) {
    // The lookup above stands: an object archive would pay its round trip twice.
    const { content, systemIdentifier } = await readVerified(store, file, cwd, variant);
    await writeTempFile(tmp, content, { sync, mode: 0o600 }).catch((error: unknown) => {
      throw asIoError(error);
    });
    return { variant, systemIdentifier, bytes: content.length };
  }
  // Not synced here: readHead syncs the copy once, after its mode is set (two fsyncs of a
  // fresh 16 MB file cost a second journal commit, ~8 ms).
  await copyToTempFile(local, tmp, { sync: false }).catch((error: unknown) => {
    // Removed between the lookup and the copy (archivecleanup): not there any more.
    // ENOENT with the archived file still there: %p's directory is missing.
    if (error instanceof FileSystemError && error.code === 'file-not-found') {
      if (!existsSync(local)) throw new NotInArchiveError(file.name, store.location);
      throw asIoError(fileSystemError(error.cause, 'write file', tmp));
    }
    throw asIoError(error);
  });
  try {
    const { head, size } = readHead(tmp, sync);
    const systemIdentifier = await expectedSystem(store, cwd);
    await checkSegment(file, head, size, systemIdentifier, store);
    return { variant, systemIdentifier, bytes: size };
  } catch (error) {
    await unlink(tmp).catch(() => undefined);
    throw error;
  }
};

/** headOfCopy, its failure reported as the tool reports file errors. */
const readHead = (path: string, sync: boolean): CopiedHead => {
  try {
    return withFsErrorSync('read restored file', path, () => headOfCopy(path, sync));
  } catch (error) {
    throw asIoError(error);
  }
};

const readContent = async (store: ArchiveStore, variant: StoredVariant, file: WalFileName): Promise<Buffer> => {
  const where = `${store.location}/${variant.name}`;
  // No archived file of ours is larger than the largest segment PostgreSQL can be built with.
  const fetched = await store.read(variant.name, MAX_SEGMENT_SIZE).catch((error: unknown) => {
    throw asIoError(error);
  });
  // Removed between the lookup and the read (archivecleanup): not there any more.
  if (fetched === undefined) throw new NotInArchiveError(file.name, store.location);
  if (fetched.recordedSha256 !== undefined) {
    const actual = createHash('sha256').update(fetched.data).digest('hex');
    if (actual !== fetched.recordedSha256) {
      throw fatal('corrupt-archived-file', RestoreExit.corruptCompressed,
        `Cannot restore "${file.name}": "${where}" does not match the SHA-256 recorded when it was archived`);
    }
  }
  try {
    return await decompressBuffer(fetched.data, variant.compression, { name: where, expectedSize: DEFAULT_SEGMENT_SIZE });
  } catch (error) {
    if (error instanceof CompressionError && error.code !== 'compression-unavailable') {
      throw fatal('corrupt-archived-file', RestoreExit.corruptCompressed, error.message, error);
    }
    // The file is there but this installation cannot read it: "not available" would let an
    // archive-only recovery end early, and asking again will not load the codec either.
    if (error instanceof CompressionError) {
      throw fatal('compression-unavailable', RestoreExit.codecUnavailable, error.message, error);
    }
    throw asIoError(error);
  }
};

/** The system the WAL must belong to: the data directory's pg_control, else the archive's record. */
const expectedSystem = async (store: ArchiveStore, cwd: string): Promise<string | undefined> => {
  const fromControl = readControlSystemId(cwd);
  if (fromControl !== undefined) return fromControl;
  try {
    return await readArchiveSystemId(store);
  } catch (error) {
    throw asIoError(error);
  }
};

const checkContent = async (
  file: WalFileName,
  content: Buffer,
  systemIdentifier: string | undefined,
  store: ArchiveStore,
): Promise<void> => {
  const name = file.name;
  if (file.kind === 'segment' || file.kind === 'partial') {
    await checkSegment(file, content, content.length, systemIdentifier, store);
  } else if (file.kind === 'backup') {
    if (content.length > MAX_BACKUP_HISTORY_BYTES || !isBackupHistoryText(content.toString('latin1'), file.segmentName)) {
      throw fatal('invalid-backup-history-file', RestoreExit.contentMismatch,
        `Cannot restore "${name}": not a backup history file (no START WAL LOCATION naming its segment)`);
    }
  } else if (file.kind === 'history') {
    try {
      parseTimelineHistory(content.toString('utf8'));
    } catch (error) {
      throw fatal('invalid-history-file', RestoreExit.contentMismatch, `Cannot restore "${name}": ${(error as Error).message}`, error);
    }
  }
};

/** A segment's header belongs under its name and to this system; its size is a segment's. */
const checkSegment = async (
  file: WalFileName,
  head: Buffer,
  length: number,
  systemIdentifier: string | undefined,
  store: ArchiveStore,
): Promise<void> => {
  const fromArchive = async (history: string) => (await store.read(history, MAX_HISTORY_BYTES))?.data;
  const name = file.name;
  let segmentSize: number;
  try {
    const check = systemIdentifier === undefined ? { name } : { name, systemIdentifier };
    segmentSize = (await validateSegmentHeaderWithHistory(head, check, [fromArchive])).header.segmentSize;
  } catch (error) {
    const foreign = error instanceof ValidationError && error.code === 'wal-foreign-system';
    const message = (error as Error).message.replace(/^Cannot accept/, 'Cannot restore');
    throw fatal(foreign ? 'wal-foreign-system' : 'wal-header-mismatch', foreign ? RestoreExit.foreignSystem : RestoreExit.contentMismatch, message, error);
  }
  if (!lengthFitsSegment(file, length, segmentSize)) {
    throw fatal('wal-size-mismatch', RestoreExit.contentMismatch, `Cannot restore "${name}": the archived file holds ${length} bytes, a segment ${segmentSize}`);
  }
};

/**
 * Transient trouble (disk full, permissions, a missing mount, an unreachable object store):
 * not fatal, the server retries.
 */
export const asIoError = (error: unknown): WarmstandbyError => {
  if (error instanceof WarmstandbyError && error.exitStatus > 125) return error;
  const message = error instanceof Error ? error.message : String(error);
  const path = error instanceof FileSystemError ? error.path : '';
  return new FileSystemError(error instanceof WarmstandbyError ? error.code : 'io-error', message, path, {
    exitStatus: RestoreExit.ioError,
    cause: error,
  });
};
