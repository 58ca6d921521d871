import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { SyncQueue } from '../../core/fs/sync-queue.js';
import { type BackupWalOutput, walDirectoryOutput, walTarOutput } from '../../core/backup/wal-output.js';
import { WalStreamer } from '../../core/backup/wal-streamer.js';
import { NO_COMPRESSION } from '../../core/compression/compression-spec.js';
import { fileSystemError } from '../../core/fs/fs-error.js';
import { PgServerError } from '../../core/pg/connection/errors.js';
import type { PgConnection } from '../../core/pg/connection/pg-connection.js';
import { createReplicationSlot, dropReplicationSlot } from '../../core/pg/replication/commands.js';
import type { BaseBackupOptions } from './options.js';
import type { BackupHeader } from '../../core/pg/replication/base-backup-receiver.js';
import { BackupError, openReplicationConnection } from './connection.js';
import type { RunBaseBackupOptions } from './run-options.js';

export interface WalStreaming {
  readonly connection: PgConnection;
  readonly streamer: WalStreamer;
  readonly slot?: string;
  /** -C: the permanent slot this run created; a failed backup whose output goes drops it. */
  readonly createdSlot?: string;
  readonly dropCreatedSlot: () => Promise<void>;
}

/** A failed backup's slot drop may not wait for ever, nor on a signal that already fired. */
const SLOT_DROP_DEADLINE_MS = 10_000;

export interface WalStreamingRequest {
  readonly run: RunBaseBackupOptions;
  readonly options: BaseBackupOptions;
  readonly serverVersionNum: number;
  readonly systemId: string;
  readonly header: BackupHeader;
  readonly segSize: number;
  readonly baseDir: string;
  readonly fileMode: number;
  readonly dirMode: number;
  readonly queue: SyncQueue;
  readonly prompted: { password?: string };
}

/**
 * The streamer's replication connection and its temporary slot, opened while BASE_BACKUP's
 * checkpoint runs rather than after it (pg_basebackup opens them once the header is in:
 * a connection, authentication and a slot are then time the backup waits for). Created this
 * early, the slot reserves WAL from a point no later than the backup's start, never after it.
 * A permanent slot (-C) waits for the header, so a backup that fails before it leaves none.
 */
export interface WalConnection {
  readonly connection: PgConnection;
  readonly slot?: string;
  readonly temporary: boolean;
}

export const openWalConnection = async (
  run: RunBaseBackupOptions,
  serverVersionNum: number,
  prompted: { password?: string },
): Promise<WalConnection> => {
  const { options } = run;
  const { connection } = await openReplicationConnection(run, prompted);
  try {
    const temporary = options.temporarySlot && serverVersionNum >= 100000;
    const slot = options.slot ?? (temporary ? `pg_basebackup_${connection.backendPid}` : undefined);
    if (slot !== undefined && temporary) await createSlot(connection, slot, true);
    return { connection, temporary, ...(slot === undefined ? {} : { slot }) };
  } catch (error) {
    connection.destroy();
    throw error;
  }
};

const createSlot = async (connection: PgConnection, slot: string, temporary: boolean): Promise<void> => {
  try {
    await createReplicationSlot(connection, slot, { temporary, reserveWal: true });
  } catch (error) {
    if (error instanceof PgServerError) {
      throw new BackupError('create-slot', `could not send replication command "CREATE_REPLICATION_SLOT": ${error.message}`);
    }
    throw error;
  }
};

/**
 * pg_basebackup's StartLogStreamer, on the connection openWalConnection made: -C's permanent
 * slot, then the WAL from the start point written into pg_wal/ (plain) or pg_wal.tar (tar).
 */
export const startWalStreaming = async (request: WalStreamingRequest, opened: WalConnection): Promise<WalStreaming> => {
  const { options, run, serverVersionNum, segSize } = request;
  const { connection, slot, temporary } = opened;
  try {
    if (slot !== undefined && (temporary || options.createSlot)) {
      if (!temporary) await createSlot(connection, slot, false);
      if (options.verbose > 0) {
        run.reporter.info(temporary
          ? `created temporary replication slot "${slot}"`
          : `created replication slot "${slot}"`);
      }
    }
    const walName = serverVersionNum < 100000 ? 'pg_xlog' : 'pg_wal';
    let output: BackupWalOutput;
    if (options.format === 'plain') {
      const statusDir = join(request.baseDir, walName, 'archive_status');
      await mkdir(statusDir, { recursive: true, mode: request.dirMode }).catch((error: unknown) => {
        throw fileSystemError(error, 'create directory', statusDir);
      });
      output = walDirectoryOutput(join(request.baseDir, walName), request.fileMode, request.queue);
    } else {
      const gzip = options.clientCompression.method === 'gzip';
      output = await walTarOutput(
        join(request.baseDir, `${walName}.tar${gzip ? '.gz' : ''}`),
        request.fileMode,
        gzip ? options.clientCompression : NO_COMPRESSION,
        request.queue,
      );
    }
    const streamer = WalStreamer.start({
      connection,
      systemId: request.systemId,
      timeline: request.header.startTimeline,
      startLsn: request.header.startLsn,
      segSize,
      statusIntervalMs: options.statusIntervalMs,
      output,
      ...(slot === undefined ? {} : { slot }),
    });
    const createdSlot = slot !== undefined && !temporary && options.createSlot ? slot : undefined;
    const dropCreatedSlot = async (): Promise<void> => {
      if (createdSlot === undefined) return;
      const { signal: _interrupted, ...rest } = run;
      const bounded = { ...rest, signal: AbortSignal.timeout(SLOT_DROP_DEADLINE_MS) };
      const { connection: dropper } = await openReplicationConnection(bounded, request.prompted);
      try {
        // WAIT: the streaming connection was just cut; its walsender may still hold the slot.
        await dropReplicationSlot(dropper, createdSlot, { wait: true });
      } finally {
        dropper.destroy();
      }
    };
    return {
      connection, streamer, dropCreatedSlot,
      ...(slot === undefined ? {} : { slot }),
      ...(createdSlot === undefined ? {} : { createdSlot }),
    };
  } catch (error) {
    connection.destroy();
    throw error;
  }
};
