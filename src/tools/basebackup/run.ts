import { symlink } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { type ArchiveConsumer, openArchiveConsumer } from '../../core/backup/archive-consumer.js';
import { buildBaseBackupCommand } from '../../core/backup/base-backup-command.js';
import { OutputFile } from '../../core/fs/output-file.js';
import { MINIMUM_VERSION_FOR_RECOVERY_GUC, recoveryConfigContents } from '../../core/backup/recovery-config.js';
import { SyncQueue } from '../../core/fs/sync-queue.js';
import { mapTablespace } from '../../core/backup/tablespace-mapping.js';
import { WarmstandbyError } from '../../core/errors.js';
import { fileSystemError } from '../../core/fs/fs-error.js';
import { PgServerError, type PgNotice, serverErrorText } from '../../core/pg/connection/errors.js';
import type { PgConnection } from '../../core/pg/connection/pg-connection.js';
import { identifySystem } from '../../core/pg/replication/commands.js';
import { readDataDirectoryModes, readSegmentSize } from '../../core/pg/replication/server-facts.js';
import { BackupError, openReplicationConnection } from './connection.js';
import { type DirectoryState, removeOutput, verifyDirIsEmptyOrCreate } from './directories.js';
import { finishBackup } from './finish.js';
import type { BaseBackupOptions } from './options.js';
import { type BackupHeader, receiveBaseBackup } from '../../core/pg/replication/base-backup-receiver.js';
import type { BackupReporter } from './reporter.js';
import type { RunBaseBackupOptions } from './run-options.js';
import { startWalStreaming, type WalStreaming } from './wal-streaming.js';

export interface BaseBackupOutcome {
  readonly exitStatus: number;
  readonly startLsn?: string;
  readonly endLsn?: string;
}

/** Servers whose BASE_BACKUP and streaming this client speaks. */
const MIN_SERVER_MAJOR = 10;
const MAX_SERVER_MAJOR = 18;
const MANIFEST_MIN_VERSION = 130000;

interface Cleanup {
  baseDir?: { path: string; state: DirectoryState };
  walDir?: { path: string; state: DirectoryState };
  tablespaces: boolean;
  keep: boolean;
}

const checkServerVersion = (connection: PgConnection): void => {
  const major = Math.floor(connection.serverVersionNum / 10000);
  if (major < MIN_SERVER_MAJOR || major > MAX_SERVER_MAJOR) {
    throw new BackupError(
      'unsupported-server-version',
      `incompatible server version ${connection.parameters.get('server_version') ?? 'unknown'}`,
    );
  }
};

/** The whole job: everything pg_basebackup's main() and BaseBackup() do, in that order. */
export async function runBaseBackup(run: RunBaseBackupOptions): Promise<BaseBackupOutcome> {
  const { options, reporter } = run;
  const cleanup: Cleanup = { tablespaces: false, keep: options.noClean };
  const baseDir = options.pgdata === undefined || options.pgdata === '-'
    ? options.pgdata
    : isAbsolute(options.pgdata) ? options.pgdata : resolve(run.cwd, options.pgdata);
  const queue = new SyncQueue(options.sync && options.target === undefined);
  let connection: PgConnection | undefined;
  let wal: WalStreaming | undefined;
  let checksumFailure = false;
  const onNotice = (notice: PgNotice): void => reporter.notice(notice.severity, notice.message);
  // SIGINT/SIGTERM: drop both connections at once, so a wait on the server ends now; the
  // failure path below then removes the output (unless -n) and the exit status is 1.
  const onAbort = (): void => {
    const interrupted = new BackupError('interrupted', 'backup interrupted');
    connection?.destroy(interrupted);
    (wal as WalStreaming | undefined)?.streamer.abort();
  };
  run.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (run.signal?.aborted === true) throw new BackupError('interrupted', 'backup interrupted');
    const prompted: { password?: string } = {};
    const opened = await openReplicationConnection(run, prompted);
    connection = opened.connection;
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

    if (options.verbose > 0) reporter.info('initiating base backup, waiting for checkpoint to complete');
    if (options.progress && options.verbose === 0) reporter.waitingForCheckpoint();

    let header: BackupHeader | undefined;
    let totalKb = 0;
    let progressFile: string | undefined;
    const report = (done: number, tablespaceNum: number, finished: boolean): void => {
      if (header === undefined) return;
      reporter.progress({
        doneBytes: done, totalKb, tablespaceNum, tablespaceCount: header.tablespaces.length,
        ...(progressFile === undefined ? {} : { filename: progressFile }),
      }, finished);
    };
    let lastDone = 0;
    const mapping = (location: string): string => mapTablespace(options.tablespaceMappings, location);
    const received = await receiveBaseBackup(connection, command, {
      injectManifest: toStdout && manifest,
      onHeader: async (h) => {
        header = h;
        if (options.verbose > 0) {
          reporter.info('checkpoint completed');
          if (options.walMethod !== 'none') {
            reporter.info(`write-ahead log start point: ${h.startLsnText} on timeline ${h.startTimeline}`);
          }
        }
        totalKb = h.tablespaces.reduce((sum, t) => sum + t.sizeKb, 0);
        for (const ts of h.tablespaces) {
          // PostgreSQL's tablespace locations are absolute; a relative one would land under
          // whatever directory this process runs in.
          if (ts.location !== null) checkTablespaceArchive(h, ts.location, mapping);
          if (options.target === undefined && options.format === 'plain' && ts.location !== null) {
            await verifyDirIsEmptyOrCreate(mapping(ts.location), dirMode);
            cleanup.tablespaces = true;
          }
        }
        if (toStdout && h.tablespaces.length > 1) {
          throw new BackupError('stdout-tablespaces',
            `can only write single tablespace to stdout, database has ${h.tablespaces.length}`);
        }
        if (options.walMethod === 'stream') {
          if (options.verbose > 0) reporter.info('starting background WAL receiver');
          wal = await startWalStreaming({
            run, options, serverVersionNum, systemId: identity.systemId, header: h, segSize,
            baseDir: baseDir as string, fileMode, dirMode, queue, prompted,
          });
        }
      },
      openArchive: async (name, spcLocation): Promise<ArchiveConsumer | undefined> => {
        if (options.target !== undefined) return undefined;
        if (spcLocation !== undefined) checkTablespaceArchive(header, spcLocation, mapping);
        return openArchiveConsumer({
          archiveName: name,
          ...(spcLocation === undefined ? {} : { spcLocation }),
          format: options.format,
          baseDir: baseDir as string,
          stdout: run.stdout,
          clientCompression: options.clientCompression,
          ...(recovery === undefined ? {} : {
            recovery: { contents: recovery, gucSupported: serverVersionNum >= MINIMUM_VERSION_FOR_RECOVERY_GUC },
          }),
          injectManifest: toStdout && manifest,
          expectUnterminated: serverVersionNum < 150000,
          mapTablespace: mapping,
          tablespaceLocations: (header?.tablespaces ?? []).flatMap((ts) => (ts.location === null ? [] : [mapping(ts.location)])),
          queue,
          directoryMode: dirMode,
          fileMode,
          ...(options.progress && options.verbose > 0 ? { onPath: (path: string) => { progressFile = path; } } : {}),
        });
      },
      openManifest: async () => {
        if (options.target !== undefined || baseDir === undefined) return undefined;
        const file = OutputFile.create(join(baseDir, 'backup_manifest.tmp'), fileMode, queue, fileMode);
        return { write: (chunk) => file.write(chunk), close: () => file.close() };
      },
      onProgress: (done, tablespaceNum, force) => {
        lastDone = done;
        if (force || options.progress) report(done, tablespaceNum, false);
      },
      check: () => {
        if (run.signal?.aborted === true) throw new BackupError('interrupted', 'backup interrupted');
        const failed = wal?.streamer.failed;
        if (failed !== undefined) {
          throw walStreamDied(reporter, failed);
        }
      },
    }).catch((error: unknown) => {
      if (error instanceof PgServerError && error.sqlstate === 'XX001') {
        checksumFailure = true;
        throw new BackupError('checksum-failure', 'checksum error occurred');
      }
      if (error instanceof PgServerError) {
        const context = header === undefined ? 'could not initiate base backup' : 'backup failed';
        throw new BackupError('server-error', `${context}: ${serverErrorText(error)}`);
      }
      throw error;
    });
    if (options.progress) {
      progressFile = undefined;
      report(lastDone, received.header.tablespaces.length, true);
    }
    if (options.verbose > 0 && options.walMethod !== 'none') {
      reporter.info(`write-ahead log end point: ${received.endLsnText}`);
    }
    const streaming = wal as WalStreaming | undefined;
    if (streaming !== undefined) {
      if (options.verbose > 0) reporter.info('waiting for background process to finish streaming ...');
      streaming.streamer.stopAt(received.endLsn);
      await streaming.streamer.done.catch((failed: unknown) => {
        throw walStreamDied(reporter, failed);
      });
      await streaming.connection.close();
    }
    connection.off('notice', onNotice);
    await connection.close();
    connection = undefined;
    await finishBackup({ run, baseDir, toStdout, manifest, queue, systemId: identity.systemId, received });
    if (options.verbose > 0) reporter.info('base backup completed');
    return { exitStatus: 0, startLsn: received.header.startLsnText, endLsn: received.endLsnText };
  } catch (caught) {
    const error = run.signal?.aborted === true ? new BackupError('interrupted', 'backup interrupted') : caught;
    const streaming = wal as WalStreaming | undefined;
    streaming?.streamer.abort();
    connection?.destroy();
    await queue.drain().catch(() => undefined);
    const message = error instanceof Error ? error.message : String(error);
    reporter.error(message);
    if (error instanceof WarmstandbyError && error.hint !== undefined) reporter.info(`hint: ${error.hint}`);
    // A backup that failed verification is kept for inspection, like a checksum failure's.
    const keep = checksumFailure || (error instanceof WarmstandbyError && error.code === 'verify-failed');
    await cleanUp(cleanup, keep, reporter);
    if (streaming?.createdSlot !== undefined) await dropSlotOfFailedBackup(streaming, cleanup.keep || keep, reporter);
    return { exitStatus: error instanceof WarmstandbyError ? error.exitStatus : 1 };
  } finally {
    run.signal?.removeEventListener('abort', onAbort);
  }
}

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

/** pg_basebackup's words when WAL streaming fails: the stream's own error, then its death. */
const walStreamDied = (reporter: BackupReporter, failed: unknown): BackupError => {
  reporter.error(`could not receive data from WAL stream: ${serverErrorText(failed)}`);
  return new BackupError('wal-stream-failed', 'background process terminated unexpectedly');
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

/**
 * A tablespace archive goes only where the backup header said a tablespace is: a location
 * listed there (and so already checked to be empty, or mapped with -T) and absolute. A
 * server that names another location would have the backup write into any directory.
 */
const checkTablespaceArchive = (
  header: BackupHeader | undefined,
  location: string,
  mapping: (location: string) => string,
): void => {
  const listed = header !== undefined && header.tablespaces.some((ts) => ts.location === location);
  if (!listed || !isAbsolute(location) || !isAbsolute(mapping(location))) {
    throw new BackupError(
      'tablespace-location',
      `Cannot accept tablespace location "${location}" from the server: ` +
        (listed ? 'not an absolute path' : 'it is not in the backup\'s list of tablespaces'),
    );
  }
};
