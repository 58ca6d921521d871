import { isAbsolute, join } from 'node:path';
import { type ArchiveConsumer, openArchiveConsumer } from '../../core/backup/archive-consumer.js';
import { MINIMUM_VERSION_FOR_RECOVERY_GUC } from '../../core/backup/recovery-config.js';
import { mapTablespace } from '../../core/backup/tablespace-mapping.js';
import { OutputFile } from '../../core/fs/output-file.js';
import type { SyncQueue } from '../../core/fs/sync-queue.js';
import { PgServerError, serverErrorText } from '../../core/pg/connection/errors.js';
import { type BackupHeader, type ReceiveOutcome, receiveBaseBackup } from '../../core/pg/replication/base-backup-receiver.js';
import { BackupError } from './connection.js';
import { verifyDirIsEmptyOrCreate } from './directories.js';
import type { BackupReporter } from './reporter.js';
import type { RunBaseBackupOptions } from './run-options.js';
import type { Live, Prepared } from './run-state.js';
import { startWalStreaming } from './wal-streaming.js';

/**
 * Runs BASE_BACKUP: the header starts WAL streaming (-X stream) and checks the tablespaces,
 * each archive goes to its consumer, progress is reported; a server error becomes
 * pg_basebackup's message (a checksum failure keeps the output).
 */
export const receiveArchives = async (
  run: RunBaseBackupOptions,
  prepared: Prepared,
  baseDir: string | undefined,
  queue: SyncQueue,
  live: Live,
): Promise<ReceiveOutcome> => {
  const { options, reporter } = run;
  const { cleanup } = live;
  const { connection, command, serverVersionNum, toStdout, manifest, dirMode, fileMode, segSize, recovery, prompted } = prepared;
  const identity = { systemId: prepared.systemId };
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
        live.wal = await startWalStreaming({
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
      const failed = live.wal?.streamer.failed;
      if (failed !== undefined) {
        throw walStreamDied(reporter, failed);
      }
    },
  }).catch((error: unknown) => {
    if (error instanceof PgServerError && error.sqlstate === 'XX001') {
      live.checksumFailure = true;
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
  return received;
};

/** pg_basebackup's words when WAL streaming fails: the stream's own error, then its death. */
export const walStreamDied = (reporter: BackupReporter, failed: unknown): BackupError => {
  reporter.error(`could not receive data from WAL stream: ${serverErrorText(failed)}`);
  return new BackupError('wal-stream-failed', 'background process terminated unexpectedly');
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
