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
import type { BackupReporter } from './report.js';
import type { RunBaseBackupOptions } from './run-options.js';
import type { Live, Prepared } from './run-state.js';
import { openWalConnection, startWalStreaming, type WalConnection } from './wal-streaming.js';

/** What the steps of receiving share. */
interface ReceiveContext {
  readonly run: RunBaseBackupOptions;
  readonly prepared: Prepared;
  readonly baseDir: string | undefined;
  readonly queue: SyncQueue;
  readonly live: Live;
  readonly mapping: (location: string) => string;
  readonly progress: ProgressState;
}

/** -P: what the progress line says (totals come with the header, file names with -v). */
class ProgressState {
  header: BackupHeader | undefined;
  totalKb = 0;
  file: string | undefined;
  lastDone = 0;

  constructor(private readonly reporter: BackupReporter) {}

  report(done: number, tablespaceNum: number, finished: boolean): void {
    if (this.header === undefined) return;
    this.reporter.progress({
      doneBytes: done, totalKb: this.totalKb, tablespaceNum, tablespaceCount: this.header.tablespaces.length,
      ...(this.file === undefined ? {} : { filename: this.file }),
    }, finished);
  }
}

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
  const { connection, command, toStdout, manifest, fileMode } = prepared;
  if (options.verbose > 0) reporter.info('initiating base backup, waiting for checkpoint to complete');
  if (options.progress && options.verbose === 0) reporter.waitingForCheckpoint();
  const progress = new ProgressState(reporter);
  const mapping = (location: string): string => mapTablespace(options.tablespaceMappings, location);
  if (options.walMethod === 'stream') {
    // Connected while the server checkpoints; awaited when the header arrives.
    live.walOpening = openWalConnection(run, prepared.serverVersionNum, prepared.prompted);
    live.walOpening.catch(() => undefined);
  }
  const context: ReceiveContext = { run, prepared, baseDir, queue, live, mapping, progress };
  const received = await receiveBaseBackup(connection, command, {
    injectManifest: toStdout && manifest,
    onHeader: (header) => onBackupHeader(header, context),
    openArchive: (name, spcLocation) => openArchive(name, spcLocation, context),
    openManifest: async () => {
      if (options.target !== undefined || baseDir === undefined) return undefined;
      const file = OutputFile.create(join(baseDir, 'backup_manifest.tmp'), fileMode, queue, fileMode);
      return { write: (chunk) => file.write(chunk), close: () => file.close() };
    },
    onProgress: (done, tablespaceNum, force) => {
      progress.lastDone = done;
      if (force || options.progress) progress.report(done, tablespaceNum, false);
    },
    check: () => {
      if (run.signal?.aborted === true) throw new BackupError('interrupted', 'backup interrupted');
      const failed = live.wal?.streamer.failed;
      if (failed !== undefined) throw walStreamDied(reporter, failed);
    },
  }).catch((error: unknown) => {
    if (error instanceof PgServerError && error.sqlstate === 'XX001') {
      live.checksumFailure = true;
      throw new BackupError('checksum-failure', 'checksum error occurred');
    }
    if (error instanceof PgServerError) {
      const context = progress.header === undefined ? 'could not initiate base backup' : 'backup failed';
      throw new BackupError('server-error', `${context}: ${serverErrorText(error)}`);
    }
    throw error;
  });
  if (options.progress) {
    progress.file = undefined;
    progress.report(progress.lastDone, received.header.tablespaces.length, true);
  }
  if (options.verbose > 0 && options.walMethod !== 'none') {
    reporter.info(`write-ahead log end point: ${received.endLsnText}`);
  }
  return received;
};

/** The start position and tablespaces: checked, their directories made, WAL streaming begun. */
const onBackupHeader = async (header: BackupHeader, context: ReceiveContext): Promise<void> => {
  const { run, prepared, live, mapping, progress } = context;
  const { options, reporter } = run;
  progress.header = header;
  if (options.verbose > 0) {
    reporter.info('checkpoint completed');
    if (options.walMethod !== 'none') {
      reporter.info(`write-ahead log start point: ${header.startLsnText} on timeline ${header.startTimeline}`);
    }
  }
  progress.totalKb = header.tablespaces.reduce((sum, t) => sum + t.sizeKb, 0);
  for (const ts of header.tablespaces) {
    // PostgreSQL's tablespace locations are absolute; a relative one would land under
    // whatever directory this process runs in.
    if (ts.location !== null) checkTablespaceArchive(header, ts.location, mapping);
    if (options.target === undefined && options.format === 'plain' && ts.location !== null) {
      await verifyDirIsEmptyOrCreate(mapping(ts.location), prepared.dirMode);
      live.cleanup.tablespaces = true;
    }
  }
  if (prepared.toStdout && header.tablespaces.length > 1) {
    throw new BackupError('stdout-tablespaces',
      `can only write single tablespace to stdout, database has ${header.tablespaces.length}`);
  }
  if (options.walMethod === 'stream') {
    if (options.verbose > 0) reporter.info('starting background WAL receiver');
    const { serverVersionNum, systemId, segSize, fileMode, dirMode, prompted } = prepared;
    const opened = await (live.walOpening as Promise<WalConnection>);
    live.wal = await startWalStreaming({
      run, options, serverVersionNum, systemId, header, segSize,
      baseDir: context.baseDir as string, fileMode, dirMode, queue: context.queue, prompted,
    }, opened);
  }
};

/** One archive's consumer; none when a server-side target keeps the data. */
const openArchive = async (name: string, spcLocation: string | undefined, context: ReceiveContext): Promise<ArchiveConsumer | undefined> => {
  const { run, prepared, mapping, progress } = context;
  const { options } = run;
  if (options.target !== undefined) return undefined;
  if (spcLocation !== undefined) checkTablespaceArchive(progress.header, spcLocation, mapping);
  const { recovery, serverVersionNum } = prepared;
  return openArchiveConsumer({
    archiveName: name,
    ...(spcLocation === undefined ? {} : { spcLocation }),
    format: options.format,
    baseDir: context.baseDir as string,
    stdout: run.stdout,
    clientCompression: options.clientCompression,
    ...(recovery === undefined ? {} : {
      recovery: { contents: recovery, gucSupported: serverVersionNum >= MINIMUM_VERSION_FOR_RECOVERY_GUC },
    }),
    injectManifest: prepared.toStdout && prepared.manifest,
    expectUnterminated: serverVersionNum < 150000,
    mapTablespace: mapping,
    tablespaceLocations: (progress.header?.tablespaces ?? []).flatMap((ts) => (ts.location === null ? [] : [mapping(ts.location)])),
    queue: context.queue,
    directoryMode: prepared.dirMode,
    fileMode: prepared.fileMode,
    ...(options.progress && options.verbose > 0 ? { onPath: (path: string) => { progress.file = path; } } : {}),
  });
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
