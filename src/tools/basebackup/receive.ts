import { ProtocolError, ValidationError } from '../../core/errors.js';
import type { ArchiveConsumer } from '../../core/backup/archive-consumer.js';
import { checkManifestIntegrity } from '../../core/backup/manifest.js';
import type { QueryResult } from '../../core/pg/connection/results.js';
import type { PgConnection } from '../../core/pg/connection/pg-connection.js';
import { decodeBaseBackupMessage } from '../../core/pg/replication/base-backup-codec.js';
import { parseLsn } from '../../core/wal/lsn.js';

/**
 * With -D -, the manifest is held in memory until it goes into the tar after the data (its
 * size must be in the member's header). 256 MiB is a manifest of about 1.7 million files;
 * beyond that, a backup to a directory writes it to disk as it comes.
 */
export const MAX_INJECTED_MANIFEST_BYTES = 256 * 1024 * 1024;

const manifestTooLarge = (): ValidationError =>
  new ValidationError(
    'manifest-too-large',
    `Cannot add the backup manifest to the tar on standard output: it is larger than ${MAX_INJECTED_MANIFEST_BYTES / (1024 * 1024)} MiB`,
    { hint: 'Back up into a directory (-D DIR -F t), or use --no-manifest.' },
  );

export interface TablespaceInfo {
  /** null for the main data directory. */
  readonly oid: string | null;
  readonly location: string | null;
  readonly sizeKb: number;
}

export interface BackupHeader {
  readonly startLsnText: string;
  readonly startLsn: bigint;
  readonly startTimeline: number;
  readonly tablespaces: readonly TablespaceInfo[];
}

/** Where the manifest goes: a file (backup_manifest.tmp) or memory (to inject it). */
export interface ManifestSink {
  write(chunk: Buffer): void | Promise<void>;
  close(): Promise<void>;
}

export interface ReceiveHooks {
  /** The start position and tablespace list arrived; runs before any archive data. */
  onHeader(header: BackupHeader): Promise<void>;
  /** A new archive; undefined when a server-side target keeps the data. */
  openArchive(name: string, spcLocation: string | undefined): Promise<ArchiveConsumer | undefined>;
  /** undefined when the manifest is not wanted here. */
  openManifest(): Promise<ManifestSink | undefined>;
  /** Whether the manifest is injected into the archive instead of written out. */
  readonly injectManifest: boolean;
  onProgress(bytesDone: number, tablespaceNum: number, force: boolean): void;
  /** Throws when the backup must stop (WAL streaming failed, interrupted). */
  check(): void;
}

export interface ReceiveOutcome {
  readonly header: BackupHeader;
  readonly endLsnText: string;
  readonly endLsn: bigint;
}

type StreamEvent =
  | { readonly kind: 'result'; readonly result: QueryResult }
  | { readonly kind: 'copyStart'; readonly index: number }
  | { readonly kind: 'copyEnd'; readonly index: number };

const parseHeader = (start: QueryResult, list: QueryResult): BackupHeader => {
  const row = start.rows[0];
  if (start.rows.length !== 1 || row === undefined || row.length < 1 || row[0] === null || row[0] === undefined) {
    throw new ProtocolError(
      `server returned unexpected response to BASE_BACKUP command; got ${start.rows.length} rows and ` +
        `${start.fields.length} fields, expected 1 rows and 2 fields`,
    );
  }
  if (list.rows.length < 1) throw new ProtocolError('no data returned from server');
  return {
    startLsnText: row[0],
    startLsn: parseLsn(row[0]),
    startTimeline: Number(row[1] ?? '0'),
    tablespaces: list.rows.map((r) => ({
      oid: r[0] ?? null,
      location: r[1] ?? null,
      sizeKb: Number(r[2] ?? '0'),
    })),
  };
};

/**
 * Runs BASE_BACKUP and routes everything it returns: the header row sets, the archives
 * (one typed CopyOut on 15+, one raw CopyOut per tablespace plus one for the manifest
 * before), progress, and the end position. The server's error after the COPY (a checksum
 * failure, SQLSTATE XX001) is thrown as it is, once everything before it was handled.
 */
export const receiveBackup = async (
  connection: PgConnection,
  command: string,
  hooks: ReceiveHooks,
): Promise<ReceiveOutcome> => {
  const modern = connection.serverVersionNum >= 150000;
  const events: StreamEvent[] = [];
  const stream = connection.copyOut(command, {
    onResult: (result) => events.push({ kind: 'result', result }),
    onCopyStart: (index) => events.push({ kind: 'copyStart', index }),
    onCopyEnd: (index) => events.push({ kind: 'copyEnd', index }),
  });
  const results: QueryResult[] = [];
  let header: BackupHeader | undefined;
  let archive: ArchiveConsumer | undefined;
  let manifest: ManifestSink | undefined;
  let manifestMemory: Buffer[] | undefined;
  let manifestStarted = false;
  let tablespaceNum = -1;
  let done = 0;
  let lastCopyEnded = false;

  const finishArchive = async (): Promise<void> => {
    const current = archive;
    archive = undefined;
    if (current === undefined) return;
    if (manifestMemory !== undefined && hooks.injectManifest) {
      const whole = Buffer.concat(manifestMemory);
      manifestMemory = undefined;
      // Passed on unparsed, but not unchecked: it must be the manifest the server computed.
      checkManifestIntegrity(whole);
      await current.injectManifest(whole);
    }
    await current.finish();
  };
  const startManifest = async (): Promise<void> => {
    manifestStarted = true;
    if (hooks.injectManifest) manifestMemory = [];
    else manifest = await hooks.openManifest();
  };
  let manifestBytes = 0;
  const writeManifest = async (chunk: Buffer): Promise<void> => {
    if (manifestMemory !== undefined) {
      manifestBytes += chunk.length;
      if (manifestBytes > MAX_INJECTED_MANIFEST_BYTES) throw manifestTooLarge();
      manifestMemory.push(Buffer.from(chunk));
    } else if (manifest !== undefined) await manifest.write(chunk);
  };
  const closeManifest = async (): Promise<void> => {
    const current = manifest;
    manifest = undefined;
    if (current !== undefined) await current.close();
  };

  // Servers before 15: copy i < tablespaces is tablespace i, the one after it the manifest.
  const legacyEvent = async (event: StreamEvent): Promise<void> => {
    const tablespaces = (header as BackupHeader).tablespaces;
    if (event.kind === 'copyStart') {
      if (event.index < tablespaces.length) {
        const ts = tablespaces[event.index] as TablespaceInfo;
        tablespaceNum = event.index;
        const name = ts.oid === null ? 'base.tar' : `${ts.oid}.tar`;
        archive = await hooks.openArchive(name, ts.oid === null ? undefined : (ts.location ?? undefined));
      } else {
        await startManifest();
      }
    } else if (event.kind === 'copyEnd') {
      if (event.index < tablespaces.length) {
        hooks.onProgress(done, tablespaceNum, true);
        // With the manifest going into this (only) archive, it stays open until then.
        if (!(hooks.injectManifest && event.index === tablespaces.length - 1)) await finishArchive();
      } else {
        await closeManifest();
        await finishArchive();
      }
    }
  };

  const handleEvents = async (): Promise<void> => {
    while (events.length > 0) {
      const event = events.shift() as StreamEvent;
      if (event.kind === 'result') {
        results.push(event.result);
        if (results.length === 2) {
          header = parseHeader(results[0] as QueryResult, results[1] as QueryResult);
          await hooks.onHeader(header);
        }
        continue;
      }
      if (header === undefined) throw new ProtocolError('could not get backup header: COPY before the header');
      if (event.kind === 'copyEnd') lastCopyEnded = true;
      else lastCopyEnded = false;
      if (!modern) await legacyEvent(event);
    }
  };

  const handleModern = async (payload: Buffer): Promise<void> => {
    const message = decodeBaseBackupMessage(payload);
    switch (message.kind) {
      case 'archive':
        if (++tablespaceNum > 0) hooks.onProgress(done, tablespaceNum, true);
        if (manifestStarted) throw new ProtocolError('archives must precede manifest');
        await finishArchive();
        archive = await hooks.openArchive(message.name, message.location === '' ? undefined : message.location);
        break;
      case 'data':
        if (manifestStarted) await writeManifest(message.data);
        else if (archive !== undefined) await archive.push(message.data);
        else throw new ProtocolError('unexpected payload data');
        break;
      case 'progress':
        done = Number(message.bytesDone);
        hooks.onProgress(done, tablespaceNum, true);
        break;
      case 'manifest':
        await startManifest();
        break;
    }
  };

  const iterator = stream[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await iterator.next();
      await handleEvents();
      hooks.check();
      if (next.done === true) break;
      if (modern) {
        await handleModern(next.value);
      } else {
        if (manifestStarted) {
          await writeManifest(next.value);
        } else if (archive !== undefined) {
          await archive.push(next.value);
          done += next.value.length;
          hooks.onProgress(done, tablespaceNum, false);
        }
      }
    }
    await closeManifest();
    await finishArchive();
  } catch (error) {
    // An error after the COPY (a checksum failure is reported at the very end) leaves what
    // was received complete: finish it, it is the evidence. Otherwise let go of it.
    try {
      await handleEvents();
      if (!lastCopyEnded) throw error;
      await closeManifest();
      await finishArchive();
    } catch {
      archive?.abandon();
      await closeManifest().catch(() => undefined);
    }
    throw error;
  }
  const end = results[2];
  const endRow = end?.rows[0];
  if (end === undefined || end.rows.length !== 1 || endRow?.[0] === null || endRow?.[0] === undefined) {
    throw new ValidationError('no-end-position', 'no write-ahead log end position returned from server');
  }
  return { header: header as BackupHeader, endLsnText: endRow[0], endLsn: parseLsn(endRow[0]) };
};
