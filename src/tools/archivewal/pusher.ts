import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { classifyIncoming } from '../../core/archive/incoming-file.js';
import { openArchive } from '../../core/archive/open-archive.js';
import { createWorkerPause } from '../../core/archive/worker-pause.js';
import { type PublishOptions, publishWalFile, type SystemIdMemo } from '../../core/archive/publish-wal-file.js';
import {
  acknowledge, ackPath, errorPath, holdsLock, isAcknowledged, recordError, releaseLock, removeQuietly, type SpoolWorkerOptions,
  takeLock,
} from '../../core/archive/spool.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { ValidationError } from '../../core/errors.js';

export interface PusherOptions extends PublishOptions, SpoolWorkerOptions {
  /** pg_wal: WAL is pushed straight from here, as its archive_status/*.ready files ask. */
  readonly walDir: string;
  readonly jobs: number;
  readonly sync: boolean;
  /** How often pg_wal/archive_status is read. */
  readonly pollMs?: number;
}

/** A file the archive refused: tried again this much later (an operator may have fixed it). */
const REFUSED_RETRY_MS = 30_000;
const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 30_000;

interface Failure {
  readonly retryAt: number;
  readonly delayMs: number;
}

/**
 * The long-lived pusher of archivewal --async: reads pg_wal/archive_status/*.ready, pushes
 * ahead of PostgreSQL's archiver with archivewal's semantics, `jobs` at a time (history
 * files first, then by name), and acknowledges each file in the spool only after the
 * archive holds it durably. It never renames .ready files (PostgreSQL does, when the hook
 * says 0), removes acknowledgements PostgreSQL no longer needs, and exits after
 * `idleExitMs` with nothing to do. One per spool: the lock decides.
 */
export async function runPusher(options: PusherOptions): Promise<'exited-idle' | 'lock-held' | 'lock-lost' | 'stopped'> {
  if (!takeLock(options.spool)) return 'lock-held';
  const { store, close } = await openArchive(options.archive, {
    cwd: options.walDir,
    env: options.env,
    sync: options.sync,
    s3ConfigFile: options.s3ConfigFile,
    signal: options.signal,
  });
  const statusDir = join(options.walDir, 'archive_status');
  const inFlight = new Set<string>();
  const failures = new Map<string, Failure>();
  let idleSince = Date.now();
  // A finished push wakes the loop at once: a free job slot must not wait for the next poll.
  const pause = createWorkerPause(options.signal);
  const systemId: SystemIdMemo = {};
  const push = async (name: string): Promise<void> => {
    try {
      const result = await publishWalFile(store, join(options.walDir, name), classifyIncoming(name), options, systemId);
      acknowledge(options.spool, name);
      failures.delete(name);
      options.log(`${result.outcome === 'archived' ? 'archived' : 'already archived'} "${name}"`);
    } catch (error) {
      if (options.signal?.aborted === true) return;
      const message = (error as Error).message;
      try {
        recordError(options.spool, name, message);
      } catch {
        // The spool went away (deleted by hand): the lock went with it, and this pusher stops.
      }
      const previous = failures.get(name);
      const delayMs = refused(error) ? REFUSED_RETRY_MS : Math.min(MAX_RETRY_MS, (previous?.delayMs ?? FIRST_RETRY_MS / 2) * 2);
      failures.set(name, { retryAt: Date.now() + delayMs, delayMs });
      options.log(`error: ${message}`);
    } finally {
      inFlight.delete(name);
      pause.wake();
    }
  };
  try {
    for (;;) {
      if (options.signal?.aborted === true) return 'stopped';
      if (!holdsLock(options.spool)) return 'lock-lost';
      const ready = readyFiles(statusDir);
      forgetUnneeded(options.spool, new Set(ready));
      const now = Date.now();
      for (const name of ready) {
        if (inFlight.size >= options.jobs) break;
        if (inFlight.has(name) || isAcknowledged(options.spool, name)) continue;
        if ((failures.get(name)?.retryAt ?? 0) > now) continue;
        inFlight.add(name);
        void push(name);
      }
      const waiting = ready.some((name) => !isAcknowledged(options.spool, name));
      if (waiting || inFlight.size > 0) idleSince = now;
      else if (now - idleSince >= options.idleExitMs) return 'exited-idle';
      await pause.wait(options.pollMs ?? 100);
    }
  } finally {
    while (inFlight.size > 0) await sleep(20);
    close();
    releaseLock(options.spool);
  }
}

/** What PostgreSQL asks to archive: history files first (as its archiver orders them), then by name. */
const readyFiles = (statusDir: string): string[] => {
  let entries: string[];
  try {
    entries = readdirSync(statusDir);
  } catch {
    return [];
  }
  return entries
    .filter((entry) => entry.endsWith('.ready'))
    .map((entry) => entry.slice(0, -'.ready'.length))
    .sort((a, b) => Number(b.endsWith('.history')) - Number(a.endsWith('.history')) || (a < b ? -1 : a > b ? 1 : 0));
};

/** Acknowledgements and errors of files PostgreSQL no longer lists as ready (it took our 0). */
const forgetUnneeded = (spool: string, ready: ReadonlySet<string>): void => {
  let entries: string[];
  try {
    entries = readdirSync(spool);
  } catch {
    return;
  }
  for (const entry of entries) {
    const name = entry.endsWith('.ok') ? entry.slice(0, -3) : entry.endsWith('.error') ? entry.slice(0, -6) : undefined;
    if (name === undefined || ready.has(name)) continue;
    removeQuietly(entry.endsWith('.ok') ? ackPath(spool, name) : errorPath(spool, name));
  }
};

/**
 * The archive said no (different content, another system, a bad file): not a passing fault.
 * Object-store errors say whether they are transient (read by shape: the S3 code loads only
 * for s3:// archives).
 */
const refused = (error: unknown): boolean =>
  error instanceof ValidationError || (error as { transient?: unknown }).transient === false;
