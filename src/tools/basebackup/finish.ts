import { existsSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { SyncQueue } from '../../core/fs/sync-queue.js';
import { syncTree } from '../../core/backup/sync-tree.js';
import { verifyBackup } from '../../core/backup/verify-backup.js';
import { ProtocolError, ValidationError } from '../../core/errors.js';
import { renameDurable } from '../../core/fs/durable.js';
import { fileSystemError } from '../../core/fs/fs-error.js';
import type { ReceiveOutcome } from '../../core/pg/replication/base-backup-receiver.js';
import type { RunBaseBackupOptions } from './run-options.js';

export interface FinishRequest {
  readonly run: RunBaseBackupOptions;
  readonly baseDir: string | undefined;
  readonly toStdout: boolean;
  readonly manifest: boolean;
  readonly queue: SyncQueue;
  readonly systemId: string;
  readonly received: ReceiveOutcome;
}

/**
 * The end of a successful backup, in pg_basebackup's order: everything durable (files were
 * synced in the background as they were finished; now the directories), then
 * backup_manifest.tmp renamed to backup_manifest, last, so a backup without its manifest is
 * never mistaken for a complete one. Then --verify, if asked.
 */
export const finishBackup = async (request: FinishRequest): Promise<void> => {
  const { run, baseDir, queue } = request;
  const { options, reporter } = run;
  const local = options.target === undefined && baseDir !== undefined && !request.toStdout;
  if (options.sync && local && options.verbose > 0) reporter.info('syncing data to disk ...');
  await queue.drain();
  if (options.sync && local) await syncTree(baseDir);
  if (local && request.manifest) {
    if (options.verbose > 0) reporter.info('renaming backup_manifest.tmp to backup_manifest');
    const from = join(baseDir, 'backup_manifest.tmp');
    const to = join(baseDir, 'backup_manifest');
    if (!existsSync(from)) {
      throw new ProtocolError('the server sent no backup manifest, though one was asked for', {
        hint: 'A server of PostgreSQL 13 or later sends one; --no-manifest takes the backup without it.',
      });
    }
    if (options.sync) await renameDurable(from, to);
    else await rename(from, to).catch((error: unknown) => {
      throw fileSystemError(error, 'rename file', `${from}" to "${to}`);
    });
  }
  if (options.verify && local) {
    const report = await verifyBackup(baseDir, {
      format: options.format,
      systemIdentifier: request.systemId,
      checkWal: options.walMethod !== 'none',
    });
    for (const problem of report.problems) reporter.error(problem);
    if (report.problems.length > 0) {
      throw new ValidationError(
        'verify-failed',
        `backup verification failed: ${report.problems.length} problem${report.problems.length === 1 ? '' : 's'}`,
        { hint: 'The backup was kept for inspection; it does not match its backup_manifest.' },
      );
    }
    reporter.info(`backup successfully verified: ${report.files} files, ` +
      `${(report.bytes / 1048576).toFixed(1)} MB, ` +
      (options.walMethod === 'none' ? 'no WAL (-X none)' : `${report.walSegments} WAL segment${report.walSegments === 1 ? '' : 's'}`));
  }
};
