import { symlink } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { buildBaseBackupCommand } from '../../core/backup/base-backup-command.js';
import { recoveryConfigContents } from '../../core/backup/recovery-config.js';
import { SyncQueue } from '../../core/fs/sync-queue.js';
import { WarmstandbyError } from '../../core/errors.js';
import { fileSystemError } from '../../core/fs/fs-error.js';
import { type PgNotice, serverErrorText } from '../../core/pg/connection/errors.js';
import type { PgConnection } from '../../core/pg/connection/pg-connection.js';
import { identifySystem } from '../../core/pg/replication/commands.js';
import {
  readDataDirectoryModes, readSegmentSize, serverVersionOutOfRange, serverVersionText,
} from '../../core/pg/replication/server-facts.js';
import { BackupError, openReplicationConnection } from './connection.js';
import { removeOutput, verifyDirIsEmptyOrCreate } from './directories.js';
import { finishBackup } from './finish.js';
import type { BackupReporter } from './report.js';
import type { BaseBackupOptions } from './options.js';
import type { BaseBackupDeps, RunBaseBackupOptions } from './run-options.js';
import { receiveArchives, walStreamDied } from './receive-archives.js';
import type { Cleanup, Live, Prepared } from './run-state.js';
import type { WalStreaming } from './wal-streaming.js';

/** A finished backup's range; a failed one throws (after its clean-up). */
export interface BaseBackupOutcome {
  readonly startLsn: string;
  readonly endLsn: string;
}

const MANIFEST_MIN_VERSION = 130000;

/** pg_basebackup's wording, whichever side of the range the server is on. */
const checkServerVersion = (connection: PgConnection): void => {
  if (serverVersionOutOfRange(connection) !== undefined) {
    throw new BackupError('unsupported-server-version', `incompatible server version ${serverVersionText(connection)}`);
  }
};

/**
 * The whole job, everything pg_basebackup's main() and BaseBackup() do, in that order:
 * prepare (connect, check the server, create the output, build the command), receive (the
 * archives, with WAL streamed beside them), finish (the end of streaming, the manifest,
 * the final sync); on failure, clean up as pg_basebackup's exit handlers do.
 */
export async function runBaseBackup(options: BaseBackupOptions, deps: BaseBackupDeps): Promise<BaseBackupOutcome> {
  const run: RunBaseBackupOptions = { ...deps, options };
  const { reporter } = run;
  const baseDir = options.pgdata === undefined || options.pgdata === '-'
    ? options.pgdata
    : isAbsolute(options.pgdata) ? options.pgdata : resolve(run.cwd, options.pgdata);
  const queue = new SyncQueue(options.sync && options.target === undefined);
  const live: Live = { cleanup: { tablespaces: false, keep: options.noClean }, checksumFailure: false };
  const onNotice = (notice: PgNotice): void => reporter.notice(notice.severity, notice.message);
  // SIGINT/SIGTERM: drop both connections at once, so a wait on the server ends now; the
  // failure path below then removes the output (unless -n) and the exit status is 1.
  const onAbort = (): void => {
    const interrupted = new BackupError('interrupted', 'backup interrupted');
    live.connection?.destroy(interrupted);
    live.wal?.streamer.abort();
  };
  run.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (run.signal?.aborted === true) throw new BackupError('interrupted', 'backup interrupted');
    const prepared = await prepareBackup(run, baseDir, live, onNotice);
    const received = await receiveArchives(run, prepared, baseDir, queue, live);
    const streaming = live.wal;
    let walClosed: Promise<void> | undefined;
    if (streaming !== undefined) {
      if (options.verbose > 0) reporter.info('waiting for background process to finish streaming ...');
      streaming.streamer.stopAt(received.endLsn);
      await streaming.streamer.done.catch((failed: unknown) => {
        throw walStreamDied(reporter, failed);
      });
      // Its slot (temporary or -S) is released when the walsender exits: that is waited for
      // before the tool ends, while the backup's files are synced.
      walClosed = streaming.connection.close().catch(() => undefined);
    }
    prepared.connection.off('notice', onNotice);
    // The BASE_BACKUP session holds nothing once the backup has ended.
    await prepared.connection.close({ waitForServer: false });
    live.connection = undefined;
    const { toStdout, manifest, systemId } = prepared;
    await finishBackup({ run, baseDir, toStdout, manifest, queue, systemId, received });
    await walClosed;
    if (options.verbose > 0) reporter.info('base backup completed');
    return { startLsn: received.header.startLsnText, endLsn: received.endLsnText };
  } catch (caught) {
    return await failBackup(run, caught, live, queue);
  } finally {
    run.signal?.removeEventListener('abort', onAbort);
  }
}

/** Connects, checks the server, creates the output directories and builds BASE_BACKUP. */
const prepareBackup = async (
  run: RunBaseBackupOptions,
  baseDir: string | undefined,
  live: Live,
  onNotice: (notice: PgNotice) => void,
): Promise<Prepared> => {
  const { options } = run;
  const { cleanup } = live;
  const prompted: { password?: string } = {};
  const opened = await openReplicationConnection(run, prompted);
  const connection = opened.connection;
  live.connection = connection;
  connection.on('notice', onNotice);
  checkServerVersion(connection);
  const serverVersionNum = connection.serverVersionNum;
  const manifest = options.manifest && serverVersionNum >= MANIFEST_MIN_VERSION;
  const { dirMode, fileMode } = await readDataDirectoryModes(connection);
  const toStdout = options.format === 'tar' && baseDir === '-';
  if (baseDir !== undefined && !toStdout) {
    cleanup.baseDir = { path: baseDir, state: await verifyDirIsEmptyOrCreate(baseDir, dirMode) };
  }
  const segSize = await readSegmentSize(connection);
  if (options.waldir !== undefined && baseDir !== undefined) {
    cleanup.walDir = { path: options.waldir, state: await verifyDirIsEmptyOrCreate(options.waldir, dirMode) };
    const link = join(baseDir, serverVersionNum < 100000 ? 'pg_xlog' : 'pg_wal');
    await symlink(options.waldir, link).catch((error: unknown) => {
      throw fileSystemError(error, `create symbolic link to "${options.waldir as string}" at`, link);
    });
  }
  const recovery = options.writeRecoveryConf
    ? Buffer.from(recoveryConfigContents({
        params: opened.params,
        ...(options.slot === undefined ? {} : { slot: options.slot }),
        serverVersionNum,
      }))
    : undefined;
  const identity = await identifySystem(connection);
  if (options.target !== undefined && serverVersionNum < 150000) {
    throw new BackupError('target-unsupported', 'backup targets are not supported by this server version');
  }
  if (options.target !== undefined && options.writeRecoveryConf) {
    throw new BackupError('target-recovery', 'recovery configuration cannot be written when a backup target is used');
  }
  if (options.serverCompression !== undefined && serverVersionNum < 150000) {
    throw new BackupError('server-compression-unsupported', 'server does not support server-side compression');
  }
  const command = buildBaseBackupCommand({
    label: options.label,
    progress: options.estimateSize,
    includeWal: options.walMethod === 'fetch',
    fastCheckpoint: options.fastCheckpoint,
    noWait: options.walMethod !== 'none',
    maxRate: options.maxRate,
    tablespaceMap: options.format === 'tar',
    verifyChecksums: options.verifyChecksums,
    ...(manifest ? {
      manifest: {
        forceEncode: options.manifestForceEncode,
        ...(options.manifestChecksums === undefined ? {} : { checksums: options.manifestChecksums }),
      },
    } : {}),
    ...(options.target === undefined ? {} : { target: options.target }),
    ...(options.serverCompression === undefined ? {} : { compression: options.serverCompression }),
  }, serverVersionNum);
  return {
    connection, prompted, serverVersionNum, manifest, dirMode, fileMode, toStdout, segSize, recovery,
    systemId: identity.systemId, command,
  };
};

/**
 * Drops the connections and cleans up as pg_basebackup's exit handlers do, then throws what
 * failed: the entry point says it (with its hint) and exits with its status, as for every
 * other tool, so the error is the last line the user sees.
 */
const failBackup = async (run: RunBaseBackupOptions, caught: unknown, live: Live, queue: SyncQueue): Promise<never> => {
  const { reporter } = run;
  const error = run.signal?.aborted === true ? new BackupError('interrupted', 'backup interrupted') : caught;
  const streaming = live.wal;
  streaming?.streamer.abort();
  // Opened early and never handed to a streamer: its temporary slot goes with it.
  if (streaming === undefined) void live.walOpening?.then(({ connection }) => connection.destroy(), () => undefined);
  live.connection?.destroy();
  await queue.abandon();
  reporter.endProgress();
  // A backup that failed verification is kept for inspection, like a checksum failure's.
  const keep = live.checksumFailure || (error instanceof WarmstandbyError && error.code === 'verify-failed');
  await cleanUp(live.cleanup, keep, reporter);
  if (streaming?.createdSlot !== undefined) await dropSlotOfFailedBackup(streaming, live.cleanup.keep || keep, reporter);
  throw error;
};

/** pg_basebackup's cleanup_directories_atexit. */
const cleanUp = async (cleanup: Cleanup, checksumFailure: boolean, reporter: BackupReporter): Promise<void> => {
  const { baseDir, walDir } = cleanup;
  if (!cleanup.keep && !checksumFailure) {
    if (baseDir !== undefined) {
      reporter.info(baseDir.state === 'created'
        ? `removing data directory "${baseDir.path}"`
        : `removing contents of data directory "${baseDir.path}"`);
      await removeOutput(baseDir.path, baseDir.state).catch(() =>
        reporter.error(baseDir.state === 'created' ? 'failed to remove data directory' : 'failed to remove contents of data directory'));
    }
    if (walDir !== undefined) {
      reporter.info(walDir.state === 'created'
        ? `removing WAL directory "${walDir.path}"`
        : `removing contents of WAL directory "${walDir.path}"`);
      await removeOutput(walDir.path, walDir.state).catch(() =>
        reporter.error(walDir.state === 'created' ? 'failed to remove WAL directory' : 'failed to remove contents of WAL directory'));
    }
  } else {
    if (baseDir !== undefined && !checksumFailure) {
      reporter.info(`data directory "${baseDir.path}" not removed at user's request`);
    }
    if (walDir !== undefined) reporter.info(`WAL directory "${walDir.path}" not removed at user's request`);
  }
  if (cleanup.tablespaces && !checksumFailure) reporter.info('changes to tablespace directories will not be undone');
};

/**
 * -C made a permanent slot for a standby that will not exist: left behind, it would hold WAL
 * on the server for ever. Dropped along with the output; kept (and said so) with the output.
 */
const dropSlotOfFailedBackup = async (streaming: WalStreaming, kept: boolean, reporter: BackupReporter): Promise<void> => {
  const slot = streaming.createdSlot as string;
  if (kept) {
    reporter.info(`replication slot "${slot}" not dropped: the backup was kept`);
    return;
  }
  reporter.info(`dropping replication slot "${slot}"`);
  await streaming.dropCreatedSlot().catch((error: unknown) => {
    reporter.error(`could not drop replication slot "${slot}": ${serverErrorText(error)}`);
    reporter.info(`hint: it holds WAL on the server until dropped: SELECT pg_drop_replication_slot('${slot}')`);
  });
};

