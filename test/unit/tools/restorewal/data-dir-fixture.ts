import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ArchivedVariant, findArchivedVariants } from '../../../../src/core/wal/archive-variants.js';
import { classifyWalFileName, type WalFileName } from '../../../../src/core/wal/wal-file-kind.js';
import { main } from '../../../../src/tools/restorewal/cli.js';
import { captureIO } from '../../../harness/capture-io.js';
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

/** A WAL file name the tests give, classified; a name the rules refuse is the test's mistake. */
export const walFileOf = (name: string): WalFileName => {
  const file = classifyWalFileName(name);
  if (file === undefined) throw new Error(`${name} is not a WAL file name`);
  return file;
};

/** What the archive holds under `name` (its first variant), as the quick answer finds it. */
export const archivedVariantOf = (archive: string, name: string): { file: WalFileName; variant: ArchivedVariant } => {
  const file = walFileOf(name);
  const [variant] = findArchivedVariants(archive, file);
  if (variant === undefined) throw new Error(`no ${name} in the archive`);
  return { file, variant };
};

/** `restorewal NAME pg_wal/RECOVERYXLOG ARCHIVE` through the tool's route (cli.ts), run in `datadir`. */
export const restoreThroughRoute = async (datadir: string, name: string, archive: string): Promise<{ status: number; err: string }> => {
  const io = captureIO(datadir);
  const status = await main([name, 'pg_wal/RECOVERYXLOG', archive], io);
  return { status, err: io.err() };
};
