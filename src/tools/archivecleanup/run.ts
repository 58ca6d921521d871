import { readdirSync, statSync, unlinkSync } from 'node:fs';
import { FileSystemError, UsageError } from '../../core/errors.js';
import { fsCodeOf, reasonOf } from '../../core/fs/fs-error.js';
import { removeStaleTempFiles } from '../../core/fs/stale-temp-files.js';
import { type BackupCutoff, cutoffFromArgument, cutoffFromLatestBackup } from './cutoff.js';
import {
  isBackupHistoryFileName, isPartialXLogFileName, isXLogFileName, trimExtension, uncompressedWalName,
} from './wal-names.js';

export interface ArchiveCleanupOptions {
  readonly archive: string;
  /** `%r`: the oldest file to keep; undefined with `latestBackup`. */
  readonly oldestKept?: string;
  /** Derive the cutoff from the newest `*.backup` file instead (cron). */
  readonly latestBackup: boolean;
  readonly dryRun: boolean;
  /** -x: strip this extension before looking at a name. */
  readonly extension?: string;
  /** -b: backup history files older than the cutoff go too. */
  readonly cleanBackupHistory: boolean;
  /** Compressed segments (X.gz, X.partial.zst...) count as the segments they hold. */
  readonly compressed: boolean;
  /** Sizes of removed files are wanted (--json): one stat per removed file. */
  readonly measure: boolean;
  /** -d lines, as pg_archivecleanup prints them. */
  readonly debug?: (line: string) => void;
  /** Called for each file removed (or, with dryRun, that would be removed), in directory order. */
  readonly onFile?: (path: string) => void;
}

export interface ArchiveCleanupResult {
  readonly archive: string;
  readonly cutoff: string;
  readonly cutoffSource: 'argument' | 'latest-backup';
  readonly backup: BackupCutoff | undefined;
  readonly dryRun: boolean;
  readonly removed: readonly string[];
  /** Sum of the removed files' sizes; undefined unless `measure`. */
  readonly bytesFreed: number | undefined;
  /** Temporary files of pushers on this host that died mid-copy, removed (not with dryRun). */
  readonly staleTemporaries: readonly string[];
}

const helpHint = 'Try "archivecleanup --help" for more information.';

/**
 * pg_archivecleanup's algorithm: read the directory once, and remove every WAL segment or
 * partial segment (and with -b backup history file) whose name after the 8 timeline digits
 * sorts before the cutoff's. History files, our system-identifier file and anything else are
 * never touched. No stat per entry: names decide. Beyond pg_archivecleanup: the temporary
 * files of archivewal pushers on this host that died mid-copy go too (stale-temp-files.ts).
 */
export function runArchiveCleanup(options: ArchiveCleanupOptions): ArchiveCleanupResult {
  const { archive } = options;
  let isDirectory = false;
  try {
    isDirectory = statSync(archive).isDirectory();
  } catch {
    isDirectory = false;
  }
  if (!isDirectory) {
    throw new UsageError(`archive location "${archive}" does not exist`, { exitStatus: 2 });
  }
  let backup: BackupCutoff | undefined;
  let names: string[] | undefined;
  let cutoff: string;
  if (options.latestBackup) {
    names = readArchive(archive);
    backup = cutoffFromLatestBackup(archive, names, options.extension);
    cutoff = backup.cutoff;
  } else {
    if (options.oldestKept === undefined) {
      throw new UsageError('must specify oldest kept WAL file', { exitStatus: 2, hint: helpHint });
    }
    cutoff = cutoffFromArgument(options.oldestKept, options.extension);
  }
  options.debug?.(`keeping WAL file "${archive}/${cutoff}" and later`);
  names ??= readArchive(archive);

  const limit = cutoff.slice(8);
  const removed: string[] = [];
  let bytesFreed = options.measure ? 0 : undefined;
  for (const name of names) {
    const trimmed = trimExtension(name, options.extension);
    let key: string | undefined;
    if (isXLogFileName(trimmed) || isPartialXLogFileName(trimmed)) key = trimmed;
    else if (options.cleanBackupHistory && isBackupHistoryFileName(trimmed)) key = trimmed;
    else if (options.compressed) key = uncompressedWalName(trimmed);
    if (key === undefined || !(key.slice(8) < limit)) continue;
    const path = `${archive}/${name}`;
    if (bytesFreed !== undefined) bytesFreed += sizeOf(path);
    if (options.dryRun) {
      options.onFile?.(path);
      options.debug?.(`file "${path}" would be removed`);
    } else {
      options.debug?.(`removing file "${path}"`);
      try {
        unlinkSync(path);
      } catch (error) {
        throw ioError(error, `could not remove file "${path}"`, path);
      }
      options.onFile?.(path);
    }
    removed.push(name);
  }
  let staleTemporaries: string[] = [];
  if (!options.dryRun) {
    try {
      staleTemporaries = removeStaleTempFiles(archive, { names });
    } catch (error) {
      throw ioError(error, `could not remove stale temporary files in "${archive}"`, archive);
    }
    for (const name of staleTemporaries) options.debug?.(`removed stale temporary file "${archive}/${name}"`);
  }
  return {
    staleTemporaries,
    archive,
    cutoff,
    cutoffSource: options.latestBackup ? 'latest-backup' : 'argument',
    backup,
    dryRun: options.dryRun,
    removed,
    bytesFreed,
  };
}

const readArchive = (archive: string): string[] => {
  try {
    return readdirSync(archive);
  } catch (error) {
    throw ioError(error, `could not open archive location "${archive}"`, archive);
  }
};

const sizeOf = (path: string): number => {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
};

/** pg_archivecleanup's I/O failures: its message text with the reason, exit status 1. */
const ioError = (error: unknown, message: string, path: string): FileSystemError =>
  new FileSystemError(fsCodeOf(error), `${message}: ${reasonOf(error)}`, path, { cause: error });
