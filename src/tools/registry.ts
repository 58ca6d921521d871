import type { ToolIO } from '../core/cli/io.js';

/** What every tool's cli.ts exports: parse argv, run the job, return the exit status. */
export type ToolMain = (argv: readonly string[], io: ToolIO) => Promise<number>;

/**
 * The binaries, loaded lazily so a hook like restorewal pays only for its own imports when
 * PostgreSQL starts it once per WAL file.
 */
export const toolLoaders: Readonly<Record<string, () => Promise<{ main: ToolMain }>>> = {
  archivecleanup: () => import('./archivecleanup/cli.js'),
  archivewal: () => import('./archivewal/cli.js'),
  basebackup: () => import('./basebackup/cli.js'),
  'live-restore': () => import('./live-restore/cli.js'),
  promote: () => import('./promote/cli.js'),
  receivewal: () => import('./receivewal/cli.js'),
  replstatus: () => import('./replstatus/cli.js'),
  restorewal: () => import('./restorewal/cli.js'),
};

export const toolNames = (): string[] => Object.keys(toolLoaders).sort();
