import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileSystemError } from '../fs/fs-error.js';

const fsyncPath = async (path: string): Promise<void> => {
  try {
    const handle = await open(path, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw fileSystemError(error, 'fsync', path);
  }
};

/**
 * The last step of making a backup durable: every directory under `root` (following the
 * links pg_tblspc and --waldir made, as fsync_pgdata does), deepest first, then `root`.
 * Files were synced as they were finished; `files: true` syncs them here too (those
 * written by something that did not).
 */
export const syncTree = async (root: string, options: { readonly files?: boolean } = {}): Promise<void> => {
  const directories: string[] = [];
  const files: string[] = [];
  const seen = new Set<string>();
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (seen.has(dir) || depth > 64) return;
    seen.add(dir);
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        await walk(path, depth + 1);
      } else if (entry.isSymbolicLink()) {
        const target = await stat(path).catch(() => undefined);
        if (target?.isDirectory() === true) await walk(path, depth + 1);
      } else if (entry.isFile() && options.files === true) {
        files.push(path);
      }
    }
    directories.push(dir);
  };
  await walk(root, 0);
  const run = async (paths: string[]): Promise<void> => {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < paths.length) await fsyncPath(paths[next++] as string);
    };
    await Promise.all(Array.from({ length: 4 }, worker));
  };
  await run(files);
  await run(directories);
};
