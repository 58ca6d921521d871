import type { PgConnection } from '../../core/pg/connection/pg-connection.js';
import type { DirectoryState } from './directories.js';
import type { WalConnection, WalStreaming } from './wal-streaming.js';

// What the steps of runBaseBackup (run.ts: prepare, finish, failure; receive-archives.ts)
// hand each other.
/** The output a failed backup removes (unless -n or a checksum failure keeps it). */
export interface Cleanup {
  baseDir?: { path: string; state: DirectoryState };
  walDir?: { path: string; state: DirectoryState };
  tablespaces: boolean;
  keep: boolean;
}

/** What a failure must see: the output to clean up, the connections to drop. */
export interface Live {
  readonly cleanup: Cleanup;
  connection?: PgConnection | undefined;
  /** -X stream: the streamer's connection, opened while the checkpoint runs. */
  walOpening?: Promise<WalConnection>;
  wal?: WalStreaming;
  checksumFailure: boolean;
}

/** What preparing found out and decided, for receiving and finishing. */
export interface Prepared {
  readonly connection: PgConnection;
  readonly prompted: { password?: string };
  readonly serverVersionNum: number;
  readonly manifest: boolean;
  readonly dirMode: number;
  readonly fileMode: number;
  readonly toStdout: boolean;
  readonly segSize: number;
  readonly recovery: Buffer | undefined;
  readonly systemId: string;
  readonly command: string;
}
