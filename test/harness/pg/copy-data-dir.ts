import { copyFile, lchown, mkdir, readdir, readlink, symlink } from 'node:fs/promises';
import type { Dirent } from 'node:fs';
import { join } from 'node:path';
import { serverUser } from './server-user.js';

/** Directories whose contents a base backup leaves out (PostgreSQL recreates or ignores them). */
const EMPTY_DIRS = new Set(['pg_replslot', 'pg_dynshmem', 'pg_notify', 'pg_serial', 'pg_snapshots', 'pg_stat_tmp', 'pg_subtrans', 'pg_wal/archive_status']);
const SKIPPED_FILES = new Set(['postmaster.pid', 'postmaster.opts', 'standby.signal', 'recovery.signal', 'backup_label', 'backup_label.old', 'tablespace_map', 'pg_internal.init']);
const PARALLEL_COPIES = 8;

export interface CopyDataDirectoryOptions {
  /**
   * Copy pg_wal's segments too. A streaming standby does not need them (it fetches WAL from
   * the backup's start over replication, and the upstream keeps it: wal_keep_size or a slot);
   * an archive-only standby does, unless the archive already holds that segment.
   */
  readonly includeWal: boolean;
}

function isGone(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

/**
 * Copies a running cluster's data directory the way a low-level base backup does: files that
 * vanish during the copy are skipped (WAL replay from the backup's start makes the copy
 * consistent), runtime-only directories are left empty, WAL archive status is not carried
 * over. Everything ends up owned by the server user.
 */
export async function copyDataDirectory(from: string, to: string, options: CopyDataDirectoryOptions): Promise<void> {
  const user = serverUser();
  const own = async (path: string): Promise<void> => {
    if (user.separate) await lchown(path, user.uid, user.gid);
  };
  const copyTree = async (source: string, target: string, relative: string): Promise<void> => {
    await mkdir(target, { mode: 0o700 });
    await own(target);
    if (EMPTY_DIRS.has(relative) || (relative === 'pg_wal' && !options.includeWal)) {
      if (relative === 'pg_wal') await copyTree(join(source, 'archive_status'), join(target, 'archive_status'), 'pg_wal/archive_status');
      return;
    }
    let entries: Dirent[];
    try {
      entries = await readdir(source, { withFileTypes: true });
    } catch (error) {
      if (isGone(error)) return;
      throw error;
    }
    const copyEntry = async (entry: Dirent): Promise<void> => {
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
      const from = join(source, entry.name);
      const to = join(target, entry.name);
      try {
        if (entry.isDirectory()) {
          await copyTree(from, to, path);
        } else if (entry.isSymbolicLink()) {
          await symlink(await readlink(from), to);
          await own(to);
        } else if (entry.isFile() && !SKIPPED_FILES.has(entry.name) && !entry.name.startsWith('pgsql_tmp')) {
          await copyFile(from, to);
          await own(to);
        }
      } catch (error) {
        if (!isGone(error)) throw error;
      }
    };
    for (let i = 0; i < entries.length; i += PARALLEL_COPIES) {
      await Promise.all(entries.slice(i, i + PARALLEL_COPIES).map(copyEntry));
    }
  };
  await copyTree(from, to, '');
}
