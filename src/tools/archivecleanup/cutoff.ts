import type { ArchiveStore } from '../../core/archive/archive-store.js';
import { UsageError, ValidationError } from '../../core/errors.js';
import { MAX_BACKUP_HISTORY_BYTES } from '../../core/wal/backup-history.js';
import {
  backupNameScansAsFour, isBackupHistoryFileName, isPartialXLogFileName, isXLogFileName, trimExtension,
} from './wal-names.js';

const helpHint = 'Try "archivecleanup --help" for more information.';

/**
 * The oldest WAL file to keep, from `%r` (pg_archivecleanup's SetWALFileNameForCleanup):
 * `-x` stripped, then a segment name as is, or the 24-hex prefix of a `.partial` or
 * `.backup` name. Anything else is a usage error (exit 2), with PostgreSQL's message.
 */
export function cutoffFromArgument(argument: string, extension: string | undefined): string {
  const name = trimExtension(argument, extension);
  if (isXLogFileName(name)) return name;
  if (isPartialXLogFileName(name)) return name.slice(0, 24);
  if (isBackupHistoryFileName(name) && backupNameScansAsFour(name)) return name.slice(0, 24);
  throw new UsageError('invalid file name argument', { exitStatus: 2, hint: helpHint });
}

export interface BackupCutoff {
  readonly cutoff: string;
  /** The backup history file the cutoff came from. */
  readonly backupFile: string;
  readonly label: string | undefined;
  readonly startWal: string | undefined;
  readonly startTime: string | undefined;
  readonly stopTime: string | undefined;
}

/**
 * For cron, where there is no `%r`: the newest backup history file (highest WAL position,
 * then highest timeline) names the oldest segment the latest base backup needs. A backup
 * history file only appears once its backup has finished, so the backup it describes is
 * usable. Its START WAL LOCATION must agree with its name, or nothing is removed.
 */
export async function cutoffFromLatestBackup(
  archive: ArchiveStore,
  names: readonly string[],
  extension: string | undefined,
): Promise<BackupCutoff> {
  let best: { name: string; trimmed: string } | undefined;
  for (const name of names) {
    const trimmed = trimExtension(name, extension);
    if (!isBackupHistoryFileName(trimmed) || !backupNameScansAsFour(trimmed)) continue;
    if (best === undefined || newer(trimmed, best.trimmed)) best = { name, trimmed };
  }
  if (best === undefined) {
    throw new ValidationError(
      'no-backup-history',
      `Cannot choose a cutoff: no backup history file (*.backup) in "${archive.location}"`,
      { hint: 'Give the oldest WAL file to keep as an argument, or archive a base backup first.' },
    );
  }
  const path = `${archive.location}/${best.name}`;
  const found = await archive.read(best.name, MAX_BACKUP_HISTORY_BYTES);
  if (found === undefined) throw new ValidationError('no-backup-history', `Cannot read backup history file "${path}": it went away`);
  const text = found.data.toString('latin1');
  const field = (key: string): string | undefined =>
    new RegExp(`^${key}: (.*)$`, 'm').exec(text)?.[1]?.trim();
  const start = field('START WAL LOCATION');
  const startWal = start === undefined ? undefined : /\(file ([0-9A-F]{24})\)/.exec(start)?.[1];
  const cutoff = best.trimmed.slice(0, 24);
  if (startWal !== cutoff) {
    throw new ValidationError(
      'invalid-backup-history',
      `Cannot use backup history file "${path}": its START WAL LOCATION does not name ${cutoff}`,
    );
  }
  return {
    cutoff,
    backupFile: best.name,
    label: field('LABEL'),
    startWal: start,
    startTime: field('START TIME'),
    stopTime: field('STOP TIME'),
  };
}

/** Later WAL position wins (the timeline part is ignored, as for removal), then higher timeline. */
const newer = (a: string, b: string): boolean =>
  a.slice(8) !== b.slice(8) ? a.slice(8) > b.slice(8) : a.slice(0, 8) > b.slice(0, 8);
