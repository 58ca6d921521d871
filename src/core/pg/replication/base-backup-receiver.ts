import { ProtocolError, ValidationError } from '../../errors.js';
import { parseLsn } from '../../wal/lsn.js';
import type { QueryResult } from '../connection/results.js';
import type { PgConnection } from '../connection/pg-connection.js';
import { type BaseBackupMessage, decodeBaseBackupMessage } from './base-backup-codec.js';

/**
 * With -D -, the manifest is held in memory until it goes into the tar after the data (its
 * size must be in the member's header). 256 MiB is a manifest of about 1.7 million files;
 * beyond that, a backup to a directory writes it to disk as it comes.
 */
export const MAX_INJECTED_MANIFEST_BYTES = 256 * 1024 * 1024;

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

/** Where one archive's bytes go (core/backup's ArchiveConsumer). */
export interface BackupArchiveSink {
  push(chunk: Buffer): Promise<void>;
  finish(): Promise<void>;
  /** Adds backup_manifest as the archive's last member (tar on standard output). */
  injectManifest(content: Buffer): Promise<void>;
  abandon(): void;
}

/** Where the manifest goes when it is not injected: a file (backup_manifest.tmp). */
export interface ManifestSink {
  write(chunk: Buffer): void | Promise<void>;
  close(): Promise<void>;
}

export interface BaseBackupHandlers {
  /** The start position and tablespace list arrived; runs before any archive data. */
  onHeader(header: BackupHeader): Promise<void>;
  /** A new archive; undefined when a server-side target keeps the data. */
  openArchive(name: string, spcLocation: string | undefined): Promise<BackupArchiveSink | undefined>;
  /** undefined when the manifest is not wanted here. */
  openManifest(): Promise<ManifestSink | undefined>;
  /** The manifest goes into the (only) archive, after its data, instead of out. */
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

/**
 * Where a BASE_BACKUP response is. The server sends: two result sets (start position;
 * tablespaces) → the archives → the manifest → one result set (end position). On 15+ all
 * archives and the manifest come in one CopyOut of typed messages ('n' archive, 'd' data,
 * 'p' progress, 'm' manifest); before 15, one raw tar CopyOut per tablespace, then one for
 * the manifest. Each event is accepted only in the states listed in `allowed`.
 */
const State = {
  /** Waiting for the two header result sets. */
  header: 'header',
  /** Header seen; no archive open yet (or, before 15, between two CopyOuts). */
  ready: 'ready',
  /** An archive is open: data goes into it. */
  archive: 'archive',
  /** The manifest is coming: data goes to it. */
  manifest: 'manifest',
  /** Every COPY is over: only the end-position result set may come. */
  trailer: 'trailer',
} as const;
type State = (typeof State)[keyof typeof State];

type Event = 'result' | 'copyStart' | 'copyEnd' | 'archiveStart' | 'data' | 'progress' | 'manifestStart';

const allowed: Readonly<Record<Event, readonly State[]>> = {
  result: ['header', 'ready', 'trailer'],
  copyStart: ['ready'],
  copyEnd: ['archive', 'manifest', 'ready'],
  archiveStart: ['ready', 'archive'],
  data: ['archive', 'manifest'],
  progress: ['ready', 'archive', 'manifest', 'trailer'],
  manifestStart: ['ready', 'archive'],
};

const refusal = (event: Event, state: State): ProtocolError => {
  if (state === 'header') return new ProtocolError('could not get backup header: COPY before the header');
  if (event === 'archiveStart' && state === 'manifest') return new ProtocolError('archives must precede manifest');
  if (event === 'data') return new ProtocolError('unexpected payload data');
  return new ProtocolError(`unexpected ${event} while receiving the base backup (${state})`);
};

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
    tablespaces: list.rows.map((r) => ({ oid: r[0] ?? null, location: r[1] ?? null, sizeKb: Number(r[2] ?? '0') })),
  };
};

class BaseBackupReceiver {
  private state: State = State.header;
  private readonly results: QueryResult[] = [];
  private header: BackupHeader | undefined;
  /** The open archive; with an injected manifest, held open after its data until the end. */
  private archive: BackupArchiveSink | undefined;
  private manifest: ManifestSink | undefined;
  private manifestMemory: Buffer[] | undefined;
  private manifestBytes = 0;
  private tablespaceNum = -1;
  private done = 0;
  /** The last COPY event was its end: an error after it leaves a complete backup. */
  copiesEnded = false;

  constructor(
    private readonly handlers: BaseBackupHandlers,
    /** 15+: typed messages in one CopyOut; before: raw tar bytes, one CopyOut per archive. */
    private readonly typed: boolean,
  ) {}

  private enter(event: Event): void {
    if (!allowed[event].includes(this.state)) throw refusal(event, this.state);
  }

  private get tablespaces(): readonly TablespaceInfo[] {
    return (this.header as BackupHeader).tablespaces;
  }

  async result(result: QueryResult): Promise<void> {
    this.enter('result');
    this.results.push(result);
    if (this.state === State.header && this.results.length === 2) {
      this.header = parseHeader(this.results[0] as QueryResult, this.results[1] as QueryResult);
      this.state = State.ready;
      await this.handlers.onHeader(this.header);
    } else if (this.state !== State.header) {
      this.state = State.trailer;
    }
  }

  /** 15+: the one CopyOut starts or ends; what it carries is in its typed messages. */
  typedCopyBoundary(kind: 'copyStart' | 'copyEnd'): void {
    this.enter(kind);
    this.copiesEnded = kind === 'copyEnd';
    // The held archive and the manifest are finished once the stream is over.
    if (kind === 'copyEnd') this.state = State.trailer;
  }

  /** Before 15: CopyOut i < tablespaces is tablespace i's tar, the one after it the manifest. */
  async copyStart(index: number): Promise<void> {
    this.enter('copyStart');
    this.copiesEnded = false;
    const ts = this.tablespaces[index];
    if (ts === undefined) {
      await this.startManifest();
      return;
    }
    this.tablespaceNum = index;
    await this.openArchive(ts.oid === null ? 'base.tar' : `${ts.oid}.tar`, ts.oid === null ? undefined : (ts.location ?? undefined));
  }

  async copyEnd(index: number): Promise<void> {
    this.enter('copyEnd');
    this.copiesEnded = true;
    if (this.state === State.manifest || index >= this.tablespaces.length) {
      await this.finishAll();
      this.state = State.ready;
      return;
    }
    this.handlers.onProgress(this.done, this.tablespaceNum, true);
    // With the manifest going into this (only) archive, it stays open until then.
    if (!(this.handlers.injectManifest && index === this.tablespaces.length - 1)) await this.finishArchive();
    this.state = State.ready;
  }

  /** One CopyData payload: a typed message on 15+, raw archive or manifest bytes before. */
  async payload(data: Buffer): Promise<void> {
    if (this.typed) {
      await this.message(decodeBaseBackupMessage(data));
      return;
    }
    this.enter('data');
    if (this.state === State.manifest) {
      await this.writeManifest(data);
    } else if (this.archive !== undefined) {
      await this.archive.push(data);
      this.done += data.length;
      this.handlers.onProgress(this.done, this.tablespaceNum, false);
    }
  }

  /** More bytes of the payload before it (a CopyData message that came in pieces). */
  async continuation(data: Buffer): Promise<void> {
    if (this.typed) await this.message({ kind: 'data', data });
    else await this.payload(data);
  }

  private async message(message: BaseBackupMessage): Promise<void> {
    switch (message.kind) {
      case 'archive':
        this.enter('archiveStart');
        if (++this.tablespaceNum > 0) this.handlers.onProgress(this.done, this.tablespaceNum, true);
        await this.finishArchive();
        await this.openArchive(message.name, message.location === '' ? undefined : message.location);
        return;
      case 'data':
        this.enter('data');
        if (this.state === State.manifest) await this.writeManifest(message.data);
        else if (this.archive !== undefined) await this.archive.push(message.data);
        else throw refusal('data', this.state); // a server-side target's archives carry no data
        return;
      case 'progress':
        this.enter('progress');
        this.done = Number(message.bytesDone);
        this.handlers.onProgress(this.done, this.tablespaceNum, true);
        return;
      case 'manifest':
        this.enter('manifestStart');
        await this.startManifest();
        return;
    }
  }

  private async openArchive(name: string, location: string | undefined): Promise<void> {
    this.archive = await this.handlers.openArchive(name, location);
    this.state = State.archive;
  }

  private async startManifest(): Promise<void> {
    this.state = State.manifest;
    if (this.handlers.injectManifest) this.manifestMemory = [];
    else this.manifest = await this.handlers.openManifest();
  }

  private async writeManifest(chunk: Buffer): Promise<void> {
    if (this.manifestMemory !== undefined) {
      this.manifestBytes += chunk.length;
      if (this.manifestBytes > MAX_INJECTED_MANIFEST_BYTES) {
        throw new ValidationError(
          'manifest-too-large',
          `Cannot add the backup manifest to the tar on standard output: it is larger than ${MAX_INJECTED_MANIFEST_BYTES / (1024 * 1024)} MiB`,
          { hint: 'Back up into a directory (-D DIR -F t), or use --no-manifest.' },
        );
      }
      this.manifestMemory.push(Buffer.from(chunk));
    } else if (this.manifest !== undefined) {
      await this.manifest.write(chunk);
    }
  }

  private async finishArchive(): Promise<void> {
    const current = this.archive;
    this.archive = undefined;
    if (current === undefined) return;
    if (this.manifestMemory !== undefined && this.handlers.injectManifest) {
      const whole = Buffer.concat(this.manifestMemory);
      this.manifestMemory = undefined;
      await current.injectManifest(whole);
    }
    await current.finish();
  }

  private async closeManifest(): Promise<void> {
    const current = this.manifest;
    this.manifest = undefined;
    if (current !== undefined) await current.close();
  }

  /** The manifest, then the (held) archive: both complete. */
  async finishAll(): Promise<void> {
    await this.closeManifest();
    await this.finishArchive();
  }

  /** After a failure: let go of what is open. */
  async abandon(): Promise<void> {
    this.archive?.abandon();
    this.archive = undefined;
    await this.closeManifest().catch(() => undefined);
  }

  outcome(): ReceiveOutcome {
    const end = this.results[2];
    const endRow = end?.rows[0];
    if (end === undefined || end.rows.length !== 1 || endRow?.[0] === null || endRow?.[0] === undefined) {
      throw new ValidationError('no-end-position', 'no write-ahead log end position returned from server');
    }
    return { header: this.header as BackupHeader, endLsnText: endRow[0], endLsn: parseLsn(endRow[0]) };
  }
}

type StreamEvent =
  | { readonly kind: 'result'; readonly result: QueryResult }
  | { readonly kind: 'copyStart'; readonly index: number }
  | { readonly kind: 'copyEnd'; readonly index: number };

/**
 * Runs BASE_BACKUP and routes everything it returns through the receiver's states. The
 * server's error after the COPY (a checksum failure, SQLSTATE XX001) is thrown as it is,
 * once everything before it was handled: what was received is complete, the evidence.
 */
export const receiveBaseBackup = async (
  connection: PgConnection,
  command: string,
  handlers: BaseBackupHandlers,
): Promise<ReceiveOutcome> => {
  const typed = connection.serverVersionNum >= 150000;
  const receiver = new BaseBackupReceiver(handlers, typed);
  // The connection reports result sets and COPY boundaries between payloads; they are
  // handled in order before the next payload.
  const events: StreamEvent[] = [];
  const stream = connection.copyOut(command, {
    onResult: (result) => events.push({ kind: 'result', result }),
    onCopyStart: (index) => events.push({ kind: 'copyStart', index }),
    onCopyEnd: (index) => events.push({ kind: 'copyEnd', index }),
    // Archive bytes have no boundaries to keep: messages split across reads come in pieces.
    pieces: typed ? 'typedData' : 'any',
  });
  const handleEvents = async (): Promise<void> => {
    for (let event = events.shift(); event !== undefined; event = events.shift()) {
      if (event.kind === 'result') await receiver.result(event.result);
      else if (typed) receiver.typedCopyBoundary(event.kind);
      else if (event.kind === 'copyStart') await receiver.copyStart(event.index);
      else await receiver.copyEnd(event.index);
    }
  };
  const iterator = stream[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await iterator.next();
      await handleEvents();
      handlers.check();
      if (next.done === true) break;
      if (stream.continues) await receiver.continuation(next.value);
      else await receiver.payload(next.value);
    }
    await receiver.finishAll();
  } catch (error) {
    try {
      await handleEvents();
      if (!receiver.copiesEnded) throw error;
      await receiver.finishAll();
    } catch {
      await receiver.abandon();
    }
    throw error;
  }
  return receiver.outcome();
};
