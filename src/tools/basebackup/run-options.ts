import type { Readable, Writable } from 'node:stream';
import type { BaseBackupOptions } from './options.js';
import type { BackupReporter } from './report.js';

/**
 * What runBaseBackup is given: the parsed options and the process's surroundings. Its own
 * file so that the pieces of a run (connection, wal-streaming, finish) can name it without
 * importing run.ts, which imports them.
 */
export interface RunBaseBackupOptions {
  readonly options: BaseBackupOptions;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly stdout: Writable;
  readonly stdin?: Readable;
  readonly signal?: AbortSignal;
  readonly reporter: BackupReporter;
  /** The default application_name: the name the tool was invoked as, as pg_basebackup's. */
  readonly programName?: string;
}
