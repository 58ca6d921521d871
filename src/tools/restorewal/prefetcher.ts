import { readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { messageOf } from '../../core/errors.js';
import { openArchive } from '../../core/archive/open-archive.js';
import { createWorkerPause } from '../../core/archive/worker-pause.js';
import {
  fetchingPath, holdsLock, releaseLock, removeQuietly, type SpoolWorkerOptions, takeLock,
} from '../../core/archive/spool.js';
import { writeTempFile } from '../../core/fs/durable.js';
import { tempPathFor } from '../../core/fs/temp-name.js';
import { isSegmentFileName, parseSegmentFileName, segmentFileName } from '../../core/wal/segment-name.js';
import { isValidSegmentSize } from '../../core/wal/segment-size.js';
import { classifyWalFileName } from '../../core/wal/wal-file-kind.js';
import { fetchVerified, NotInArchiveError } from './fetch-verified.js';
import { WANTED_FILE } from './wanted-file.js';

export interface PrefetcherOptions extends SpoolWorkerOptions {
  /** The data directory (its pg_control names the system the WAL must belong to). */
  readonly cwd: string;
  /** Segments fetched ahead of the one asked for: also the bound on what the spool holds. */
  readonly count: number;
}

const POLL_MS = 50;
const MAX_PARALLEL = 8;
const MISSING_RETRY_MS = 1_000;
const ERROR_RETRY_MS = 5_000;

/**
 * restorewal's prefetcher: after the server asked for segment S (the `wanted` file), fetches
 * S+1 … S+count of the same timeline into the spool, in parallel, each verified exactly as
 * restorewal verifies (checksum, header, system) and decompressed, written fsynced under a
 * temporary name and renamed. Everything else in the spool (older segments, other
 * timelines) is removed, so it never holds more than `count` segments. Exits after
 * `idleExitMs` without a new request.
 */
export async function runPrefetcher(options: PrefetcherOptions): Promise<'exited-idle' | 'lock-held' | 'lock-lost' | 'stopped'> {
  const { spool } = options;
  if (!takeLock(spool, 'prefetcher')) return 'lock-held';
  const { store, close } = await openArchive(options.archive, {
    cwd: options.cwd, env: options.env, s3ConfigFile: options.s3ConfigFile, signal: options.signal,
  });
  removeLeftovers(spool);
  const inFlight = new Set<string>();
  // Fetched and fsynced under a temporary name, waiting for the loop to move them in.
  const ready = new Map<string, string>();
  const retryAt = new Map<string, number>();
  let wanted = '';
  let lastRequest = Date.now();
  // A finished fetch wakes the loop at once: the segment the server will ask for next must not
  // wait for the next poll to be published into the spool.
  const pause = createWorkerPause(options.signal);
  const fetch = async (name: string): Promise<void> => {
    try {
      const file = classifyWalFileName(name);
      if (file === undefined) return;
      const { content } = await fetchVerified(store, file, options.cwd);
      const tmp = tempPathFor(join(spool, name));
      await writeTempFile(tmp, content, { sync: true, mode: 0o600 });
      ready.set(name, tmp);
    } catch (error) {
      removeQuietly(fetchingPath(spool, name));
      const missing = error instanceof NotInArchiveError;
      retryAt.set(name, Date.now() + (missing ? MISSING_RETRY_MS : ERROR_RETRY_MS));
      if (!missing && options.signal?.aborted !== true) options.log(`error: ${messageOf(error)}`);
    } finally {
      inFlight.delete(name);
      pause.wake();
    }
  };
  try {
    for (;;) {
      if (options.signal?.aborted === true) return 'stopped';
      if (!holdsLock(spool, 'prefetcher')) return 'lock-lost';
      const request = readWanted(spool);
      const now = Date.now();
      if (request !== undefined && request.text !== wanted) {
        wanted = request.text;
        lastRequest = now;
      }
      if (now - lastRequest >= options.idleExitMs && inFlight.size === 0) return 'exited-idle';
      if (request !== undefined) {
        const window = following(request.name, request.segmentSize, options.count);
        const keep = new Set(window);
        for (const entry of readdirSync(spool)) {
          if (isSegmentFileName(entry) && !keep.has(entry)) removeQuietly(join(spool, entry));
        }
        publishReady(spool, ready, keep, (name, error) => {
          retryAt.set(name, now + ERROR_RETRY_MS);
          options.log(`error: ${messageOf(error)}`);
        }, options.log);
        const present = new Set(readdirSync(spool));
        for (const name of window) {
          if (inFlight.size >= Math.min(options.count, MAX_PARALLEL)) break;
          if (present.has(name) || inFlight.has(name) || (retryAt.get(name) ?? 0) > now) continue;
          inFlight.add(name);
          // Said before the fetch starts, so that a hook asking for it now waits for it.
          writeFileSync(fetchingPath(spool, name), '');
          void fetch(name);
        }
      }
      await pause.wait(POLL_MS);
    }
  } finally {
    while (inFlight.size > 0) await sleep(20);
    for (const tmp of ready.values()) removeQuietly(tmp);
    removeLeftovers(spool);
    close();
    releaseLock(spool, 'prefetcher');
  }
}

/**
 * Moves fetched segments of the window into the spool. Only this synchronous pass puts
 * segments there, and only those of the window the loop has just cut the spool to, so the
 * spool never holds more than `count` (a fetch that finishes after the server moved on is
 * dropped here, not published).
 */
const publishReady = (
  spool: string,
  ready: Map<string, string>,
  window: ReadonlySet<string>,
  failed: (name: string, error: unknown) => void,
  log: (line: string) => void,
): void => {
  for (const [name, tmp] of ready) {
    ready.delete(name);
    if (!window.has(name)) removeQuietly(tmp);
    else {
      try {
        renameSync(tmp, join(spool, name));
        log(`fetched "${name}"`);
      } catch (error) {
        removeQuietly(tmp);
        failed(name, error);
      }
    }
    // Only now: a hook waiting for it must find the segment in place once this is gone.
    removeQuietly(fetchingPath(spool, name));
  }
};

/** Temporary files and fetching marks a prefetcher left (killed, or this one exiting). */
const removeLeftovers = (spool: string): void => {
  for (const entry of readdirSync(spool)) {
    if (entry.endsWith('.tmp') || entry.endsWith('.fetching')) removeQuietly(join(spool, entry));
  }
};

/** The hook's last request: a segment name and the segment size its restored copy had. */
const readWanted = (spool: string): { text: string; name: string; segmentSize: number } | undefined => {
  let text: string;
  try {
    text = readFileSync(join(spool, WANTED_FILE), 'utf8').trim();
  } catch {
    return undefined;
  }
  const [name = '', size = ''] = text.split(' ');
  const segmentSize = Number(size);
  if (!isSegmentFileName(name) || !isValidSegmentSize(segmentSize)) return undefined;
  return { text, name, segmentSize };
};

/** The `count` segment names after `name` on its timeline. */
const following = (name: string, segmentSize: number, count: number): string[] => {
  const { timeline, segno } = parseSegmentFileName(name, segmentSize);
  return Array.from({ length: count }, (_, i) => segmentFileName(timeline, segno + BigInt(i + 1), segmentSize));
};
