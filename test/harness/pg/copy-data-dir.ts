import { copyFile, lchown, mkdir, readdir, readlink, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { serverUser } from './server-user.js';

/** Directories whose contents a base backup leaves out (PostgreSQL recreates or ignores them). */
const EMPTY_DIRS = new Set(['pg_replslot', 'pg_dynshmem', 'pg_notify', 'pg_serial', 'pg_snapshots', 'pg_stat_tmp', 'pg_subtrans']);
const SKIPPED_FILES = new Set(['postmaster.pid', 'postmaster.opts', 'standby.signal', 'recovery.signal', 'backup_label', 'backup_label.old', 'tablespace_map', 'pg_internal.init']);

function isGone(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

/**
 * Copies a running cluster's data directory the way a low-level base backup does: files that
 * vanish during the copy are skipped (WAL replay from the backup's start makes the copy
 * consistent), runtime-only directories are left empty, WAL archive status is not carried
 * over. Everything ends up owned by the server user.
 */
export async function copyDataDirectory(from: string, to: string, relative = ''): Promise<void> {
  const user = serverUser();
  const own = async (path: string): Promise<void> => {
    if (user.separate) await lchown(path, user.uid, user.gid);
  };
  await mkdir(to, { mode: 0o700 });
  await own(to);
  let entries;
  try {
    entries = await readdir(from, { withFileTypes: true });
  } catch (error) {
    if (isGone(error)) return;
    throw error;
  }
  for (const entry of entries) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
    try {
      if (entry.isDirectory()) {
        if (EMPTY_DIRS.has(path) || path === 'pg_wal/archive_status' || entry.name.startsWith('pgsql_tmp')) {
          await mkdir(target, { mode: 0o700 });
          await own(target);
        } else {
          await copyDataDirectory(source, target, path);
        }
      } else if (entry.isSymbolicLink()) {
        await symlink(await readlink(source), target);
        await own(target);
      } else if (entry.isFile() && !SKIPPED_FILES.has(entry.name) && !entry.name.startsWith('pgsql_tmp')) {
        await copyFile(source, target);
        await own(target);
      }
    } catch (error) {
      if (!isGone(error)) throw error;
    }
  }
}
