import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SYSID } from '../archive-hooks/wal-fixtures.js';

/** restore_command's working directory (a data directory with pg_wal/) and an archive beside it. */
export interface RestoreDirs {
  readonly root: string;
  readonly datadir: string;
  readonly archive: string;
}

/** A fresh data directory whose pg_control names the fixtures' system, and an empty archive. */
export const makeRestoreDirs = (prefix: string): RestoreDirs => {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const dirs = { root, datadir: join(root, 'data'), archive: join(root, 'archive') };
  mkdirSync(join(dirs.datadir, 'pg_wal'), { recursive: true });
  mkdirSync(join(dirs.datadir, 'global'));
  mkdirSync(dirs.archive);
  writeControl(dirs.datadir, BigInt(SYSID));
  return dirs;
};

/** pg_control as far as the hooks read it: the system identifier first. */
export const writeControl = (datadir: string, systemId: bigint): void => {
  const control = Buffer.alloc(8192);
  control.writeBigUInt64LE(systemId, 0);
  writeFileSync(join(datadir, 'global', 'pg_control'), control);
};

export const walFilesIn = (datadir: string): string[] => readdirSync(join(datadir, 'pg_wal')).sort();
