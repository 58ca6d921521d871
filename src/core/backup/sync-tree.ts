import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncPaths } from '../fs/sync.js';
import { isBackupLink } from './backup-links.js';

/**
 * The last step of making a backup durable: every directory under `root` (following the
 * links pg_tblspc and --waldir made, as fsync_pgdata does, and no others), deepest first,
 * then `root`. Files were synced as they were finished; `files: true` syncs them here too
 * (those written by something that did not).
 */
export const syncTree = async (root: string, options: { readonly files?: boolean } = {}): Promise<void> => {
  const directories: string[] = [];
  const files: string[] = [];
  const walk = async (dir: string, relative: string, depth: number): Promise<void> => {
    if (depth > 64) return;
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      const path = join(dir, entry.name);
      const rel = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) {
        await walk(path, rel, depth + 1);
      } else if (entry.isSymbolicLink()) {
        if (!isBackupLink(rel)) continue;
        const target = await stat(path).catch(() => undefined);
        // Below a followed link, paths no longer match isBackupLink: it is followed once.
        if (target?.isDirectory() === true) await walk(path, `${rel}/.`, depth + 1);
      } else if (entry.isFile() && options.files === true) {
        files.push(path);
      }
    }
    directories.push(dir);
  };
  await walk(root, '', 0);
  // Through links: the directories below pg_tblspc and --waldir are reached by them.
  await fsyncPaths(files, { inFlight: 4, followLinks: true });
  await fsyncPaths(directories, { inFlight: 4, followLinks: true });
};
