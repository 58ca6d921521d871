import { statSync } from 'node:fs';
import type { ArchiveStore, Listing } from '../../core/archive/archive-store.js';
import { openArchive } from '../../core/archive/open-archive.js';
import type { JobDeps } from '../../core/cli/io.js';
import { UsageError } from '../../core/errors.js';
import { type BackupCutoff, cutoffFromArgument, cutoffFromLatestBackup } from './cutoff.js';
import {
  isBackupHistoryFileName, isPartialXLogFileName, isXLogFileName, trimExtension, uncompressedWalName,
} from './wal-names.js';

export interface ArchiveCleanupOptions {
  /** A directory (messages name it as given) or an s3:// URL. */
  readonly archive: string;
  /** --s3-config (else $WARMSTANDBY_S3_CONFIG): settings of an object archive. */
  readonly s3ConfigFile?: string | undefined;
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
 * pg_archivecleanup's algorithm: list the archive once, and remove every WAL segment or
 * partial segment (and with -b backup history file) whose name after the 8 timeline digits
 * sorts before the cutoff's. History files, our system-identifier file and anything else are
 * never touched. No stat per entry: names decide. The same choice for a directory and for a
 * bucket (one paged listing, then DeleteObjects in batches). Beyond pg_archivecleanup: the
 * temporary files of archivewal pushers on this host that died mid-copy go too
 * (stale-temp-files.ts).
 */
export async function runArchiveCleanup(options: ArchiveCleanupOptions, deps: JobDeps): Promise<ArchiveCleanupResult> {
  const { store, close } = await openArchive(options.archive, {
    cwd: deps.cwd,
    env: deps.env,
    s3ConfigFile: options.s3ConfigFile,
    signal: deps.signal,
  });
  try {
    return await cleanUp(store, options);
  } finally {
    close();
  }
}

const cleanUp = async (store: ArchiveStore, options: ArchiveCleanupOptions): Promise<ArchiveCleanupResult> => {
  // Messages name a directory as it was given, as pg_archivecleanup's do.
  const archive = store.kind === 'directory' ? options.archive : store.location;
  if ((await store.unusableReason()) !== undefined) {
    throw new UsageError(`archive location "${archive}" does not exist`, { exitStatus: 2 });
  }
  let backup: BackupCutoff | undefined;
  let listing: Listing | undefined;
  let cutoff: string;
  if (options.latestBackup) {
    listing = await store.list();
    backup = await cutoffFromLatestBackup(store, listing.names, options.extension);
    cutoff = backup.cutoff;
  } else {
    if (options.oldestKept === undefined) {
      throw new UsageError('must specify oldest kept WAL file', { exitStatus: 2, hint: helpHint });
    }
    cutoff = cutoffFromArgument(options.oldestKept, options.extension);
  }
  options.debug?.(`keeping WAL file "${archive}/${cutoff}" and later`);
  listing ??= await store.list();

  const removed: string[] = [];
  for (const name of listing.names) {
    const trimmed = trimExtension(name, options.extension);
    let key: string | undefined;
    if (isXLogFileName(trimmed) || isPartialXLogFileName(trimmed)) key = trimmed;
    else if (options.cleanBackupHistory && isBackupHistoryFileName(trimmed)) key = trimmed;
    else if (options.compressed) key = uncompressedWalName(trimmed);
    if (key !== undefined && sortsBeforeAfterTimeline(key, cutoff)) removed.push(name);
  }
  const bytesFreed = options.measure ? measure(store, removed, listing.sizes) : undefined;
  if (options.dryRun) {
    for (const name of removed) {
      options.onFile?.(`${archive}/${name}`);
      options.debug?.(`file "${archive}/${name}" would be removed`);
    }
  } else {
    await store.remove(removed, (name) => {
      options.debug?.(`removing file "${archive}/${name}"`);
      options.onFile?.(`${archive}/${name}`);
    });
  }
  const staleTemporaries = options.dryRun ? [] : await store.removeLeftovers(listing.names);
  for (const name of staleTemporaries) options.debug?.(`removed stale temporary file "${archive}/${name}"`);
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
};

/**
 * strcmp(name + 8, cutoff + 8) < 0, as pg_archivecleanup decides: the timeline digits do not
 * count. Compared in place: a slice per name is 100,000 strings for the collector.
 */
const sortsBeforeAfterTimeline = (name: string, cutoff: string): boolean => {
  for (let i = 8; ; i += 1) {
    if (i === name.length || i === cutoff.length) return name.length < cutoff.length;
    const a = name.charCodeAt(i);
    const b = cutoff.charCodeAt(i);
    if (a !== b) return a < b;
  }
};

/** Sizes of the files about to go (--json): from the listing where it has them, else a stat each. */
const measure = (store: ArchiveStore, names: readonly string[], sizes: ReadonlyMap<string, number> | undefined): number =>
  names.reduce((sum, name) => {
    const listed = sizes?.get(name);
    const path = listed === undefined ? store.localPath(name) : undefined;
    const size = listed ?? (path === undefined ? 0 : (statSync(path, { throwIfNoEntry: false })?.size ?? 0));
    return sum + size;
  }, 0);
