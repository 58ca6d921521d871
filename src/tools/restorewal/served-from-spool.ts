import { existsSync, lstatSync, renameSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fetchingPath, runningWorker, writeAtomically } from '../../core/archive/spool.js';
import { fsyncDirectorySync } from '../../core/fs/sync.js';
import { syncsRestoredFile } from './restored-copy.js';
import { WANTED_FILE } from './wanted-file.js';

/** Options of the prefetching hook that take a value (skipped over here). */
const VALUE_OPTIONS = new Set(['--prefetch', '--spool', '--idle-exit', '--s3-config']);
const SEGMENT = /^[0-9A-F]{24}$/;

/**
 * `restorewal --prefetch N --spool DIR %f %p ARCHIVE` for a segment the prefetcher already
 * has: rename it to %p, fsync the directory (restored-copy.ts says when), record the request for the prefetcher, exit 0,
 * with nothing loaded but node:fs and the spool helpers (the build bundles this file alone
 * into dist/quick/restorewal-spool.cjs, which bin/restorewal tries first). Returns undefined
 * whenever there is more to do: no such segment in the spool, no prefetcher running (the
 * full tool starts one), another option.
 */
export const servedFromSpool = (argv: readonly string[], cwd: string): number | undefined => {
  let spool: string | undefined;
  let prefetch = false;
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq < 0 ? arg : arg.slice(0, eq);
    if (VALUE_OPTIONS.has(flag)) {
      const value = eq < 0 ? argv[++i] : arg.slice(eq + 1);
      if (flag === '--spool') spool = value;
      if (flag === '--prefetch') prefetch = true;
    } else if (arg.startsWith('-')) return undefined;
    else positional.push(arg);
  }
  const [name = '', target] = positional;
  if (!prefetch || spool === undefined || target === undefined || positional.length !== 3 || !SEGMENT.test(name)) return undefined;
  const dir = resolve(cwd, spool);
  if (runningWorker(dir, 'prefetcher') === undefined) return undefined;
  const targetPath = resolve(cwd, target);
  let size: number | undefined;
  try {
    size = moveOutOfSpool(dir, name, targetPath);
  } catch {
    return undefined; // the full tool fetches it instead, and says what went wrong
  }
  if (size === undefined) return undefined;
  try {
    if (syncsRestoredFile(targetPath, true)) fsyncDirectorySync(dirname(targetPath));
    writeAtomically(join(dir, WANTED_FILE), `${name} ${size}\n`);
  } catch {
    return undefined; // the full tool fetches it again and says what went wrong
  }
  return 0;
};

/** How long a hook waits for a segment the prefetcher is fetching before it fetches it itself. */
const FETCHING_WAIT_MS = 10_000;
const FETCHING_POLL_MS = 20;

/**
 * Waits while the running prefetcher is fetching `name` (its NAME.fetching mark) and the
 * segment is not in the spool yet: fetching it a second time would only compete with that
 * fetch, and the prefetcher would then drop its copy. Synchronous (the quick path is), by
 * Atomics.wait. Returns as soon as the segment is there, the mark has gone (the prefetcher
 * removes it only after publishing the segment or failing), the prefetcher stopped, or after
 * FETCHING_WAIT_MS. bin/restorewal's sh part waits the same way.
 */
export const waitWhileFetching = (spool: string, name: string): void => {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + FETCHING_WAIT_MS;
  for (let poll = 0; Date.now() < deadline; poll += 1) {
    // The mark first: gone, then a published segment is already in place.
    const fetching = existsSync(fetchingPath(spool, name));
    if (!fetching || existsSync(join(spool, name))) return;
    if (poll % 10 === 0 && runningWorker(spool, 'prefetcher') === undefined) return;
    Atomics.wait(pause, 0, 0, FETCHING_POLL_MS);
  }
};

/**
 * Moves the prefetched `name` out of the spool to `target` by rename, after waiting for it
 * when the prefetcher is fetching it; its size, or undefined when the spool has no such
 * regular file (or it went meanwhile, or the spool is on another file system: EXDEV). Other
 * errors are thrown. The directory fsync is the caller's.
 */
export const moveOutOfSpool = (spool: string, name: string, target: string): number | undefined => {
  waitWhileFetching(spool, name);
  const cached = join(spool, name);
  const info = lstatSync(cached, { throwIfNoEntry: false });
  if (info === undefined || !info.isFile()) return undefined;
  try {
    renameSync(cached, target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EXDEV' || code === 'ENOENT') return undefined;
    throw error;
  }
  return info.size;
};
