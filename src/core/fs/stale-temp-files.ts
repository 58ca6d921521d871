import { lstatSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { errnoOf } from './fs-error.js';
import { processIsAlive } from './process-alive.js';
import { parseTempName, tempHostTag } from './temp-name.js';

/**
 * A temporary file younger than this is never removed, whatever its writer's state: a pid
 * can be reused, and a file system can lag, but no push takes this long to write 16 MB.
 */
export const STALE_TEMP_AGE_MS = 15 * 60 * 1000;

export interface StaleTempOptions {
  /** The entries of `dir`, when the caller has read them already. */
  readonly names?: readonly string[];
  readonly now?: number;
  readonly minAgeMs?: number;
  /** Whether a process runs (injected by tests); default: kill(pid, 0). */
  readonly isAlive?: (pid: number) => boolean;
}

/**
 * Removes temporary files that a writer on this host left when it died (killed mid-copy, or
 * the machine crashed): named by tempPathFor with this host's tag, a pid that no longer
 * runs, older than the bound, a regular file. Another host's temporaries in a shared
 * archive are never touched: their pids mean nothing here. Returns the names removed.
 * Synchronous: it runs inside archivecleanup's scan, and only our temporary names cost more
 * than a look at the name.
 */
export function removeStaleTempFiles(dir: string, options: StaleTempOptions = {}): string[] {
  const names = options.names ?? readdirSync(dir);
  const host = tempHostTag();
  const now = options.now ?? Date.now();
  const minAge = options.minAgeMs ?? STALE_TEMP_AGE_MS;
  const isAlive = options.isAlive ?? processIsAlive;
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith('.')) continue;
    const parts = parseTempName(name);
    if (parts === undefined || parts.host !== host || parts.pid === process.pid || isAlive(parts.pid)) continue;
    const path = join(dir, name);
    let info;
    try {
      info = lstatSync(path);
    } catch {
      continue;
    }
    if (!info.isFile() || now - info.mtimeMs < minAge) continue;
    try {
      unlinkSync(path);
      removed.push(name);
    } catch (error) {
      if (errnoOf(error) !== 'ENOENT') throw error;
    }
  }
  return removed;
}
