import type { Output } from '../../core/cli/output.js';
import type { ArchiveCleanupResult } from './run.js';

/** What archivecleanup tells its user: the cut-off it chose and why (-n, --debug), and --json. */
export const explainBackupCutoff = (out: Output, result: ArchiveCleanupResult): void => {
  const backup = result.backup;
  if (backup === undefined) return;
  const details = [
    backup.label === undefined ? undefined : `label "${backup.label}"`,
    backup.startWal === undefined ? undefined : `started at ${backup.startWal}`,
    backup.stopTime === undefined ? undefined : `finished ${backup.stopTime}`,
  ].filter((d): d is string => d !== undefined);
  out.log(
    `newest backup history file is "${backup.backupFile}"${details.length > 0 ? ` (${details.join(', ')})` : ''}: ` +
      `WAL from ${result.cutoff} on is needed to restore that backup`,
  );
  out.log(
    `${result.dryRun ? 'would remove' : 'removed'} ${result.removed.length} file(s) older than ${result.cutoff}`,
  );
};

export const jsonReport = (result: ArchiveCleanupResult): Record<string, unknown> => ({
  archive: result.archive,
  cutoff: result.cutoff,
  cutoffSource: result.cutoffSource,
  ...(result.backup === undefined
    ? {}
    : {
        backupHistoryFile: result.backup.backupFile,
        backupLabel: result.backup.label ?? null,
        backupStartWal: result.backup.startWal ?? null,
        backupStopTime: result.backup.stopTime ?? null,
      }),
  dryRun: result.dryRun,
  filesRemoved: result.removed.length,
  bytesFreed: result.bytesFreed ?? 0,
  removed: result.removed,
  staleTemporariesRemoved: result.staleTemporaries,
});
