import type { Writable } from 'node:stream';
import type { BaseBackupOptions } from './options.js';
import type { BackupReporter } from './report.js';

/**
 * What runBaseBackup(options, deps) takes from the process: the JobDeps of every tool, the
 * output streams and the reporter.
 */
export interface BaseBackupDeps {
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly stdout: Writable;
  readonly signal?: AbortSignal;
  readonly reporter: BackupReporter;
  /** The default application_name: the name the tool was invoked as, as pg_basebackup's. */
  readonly programName?: string;
}

/**
 * The two together, as the pieces of a run (connection, wal-streaming, finish) pass them
 * around. Its own file so that they can name it without importing run.ts, which imports them.
 */
export interface RunBaseBackupOptions extends BaseBackupDeps {
  readonly options: BaseBackupOptions;
}
