import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Every server the harness starts and every temp dir it makes is registered here (one small
 * JSON file each) with the pid of the test process that owns it. The owner stops and removes
 * its own at exit, also when vitest ends it with SIGTERM; if it dies harder (SIGKILL, crash)
 * the entries stay, and the global setup of the next run, or the teardown of this one, stops
 * those servers and removes those directories. A crashed run never leaves PostgreSQL running.
 */
const REGISTRY_DIR = join(tmpdir(), 'warmstandby-pg-running');

interface Entry {
  readonly ownerPid: number;
  /** A server to stop (immediate shutdown); absent for a plain directory. */
  readonly postmasterPid?: number;
  readonly dataDir?: string;
  /** Removed once the server is stopped (only if it is a ws- directory of the temp dir). */
  readonly dir: string;
}

const ownEntries = new Map<string, Entry>();
let hooksInstalled = false;

function registryDir(): string {
  mkdirSync(REGISTRY_DIR, { recursive: true });
  try {
    chmodSync(REGISTRY_DIR, 0o1777); // shared by every user who runs the tests on this machine
  } catch {
    // someone else's directory: its mode is already right
  }
  return REGISTRY_DIR;
}

function register(entry: Entry): string {
  const file = join(registryDir(), `${entry.postmasterPid ?? 'dir'}-${randomUUID()}.json`);
  writeFileSync(file, JSON.stringify(entry));
  if (entry.ownerPid === process.pid) ownEntries.set(file, entry);
  installHooks();
  return file;
}

/** Records a running postmaster; pass the handle to forget() once it is stopped. */
export function registerServer(postmasterPid: number, dataDir: string, baseDir: string, ownerPid = process.pid): string {
  return register({ ownerPid, postmasterPid, dataDir, dir: baseDir });
}

/** Records a temp dir to remove when this process ends; forget() it once removed. */
export function registerTempDir(dir: string): string {
  return register({ ownerPid: process.pid, dir });
}

export function forget(handle: string): void {
  ownEntries.delete(handle);
  rmSync(handle, { force: true });
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', cleanUpOwnNow);
  // vitest ends its workers with SIGTERM, which skips 'exit' handlers: clean up, then let the
  // signal do what it would have done.
  process.once('SIGTERM', () => {
    cleanUpOwnNow();
    if (process.listenerCount('SIGTERM') === 0) process.kill(process.pid, 'SIGTERM');
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True only if `pid` is still a postgres process serving `dataDir` (pids get reused). */
function isOurPostmaster(pid: number, dataDir: string): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return cmdline.some((arg) => arg.endsWith('postgres')) && cmdline.includes(dataDir);
  } catch {
    return false;
  }
}

/** Stops the server (SIGQUIT = immediate shutdown) and removes the directory. */
function cleanUp(entry: Entry): void {
  if (entry.postmasterPid !== undefined && entry.dataDir !== undefined && isOurPostmaster(entry.postmasterPid, entry.dataDir)) {
    try {
      process.kill(entry.postmasterPid, 'SIGQUIT');
    } catch {
      // already gone
    }
  }
  // Only ever delete what the harness made: a ws- directory directly under the temp dir.
  if (entry.dir.startsWith(join(tmpdir(), 'ws-')) && process.env['WS_KEEP_TEST_DIRS'] !== '1') {
    rmSync(entry.dir, { recursive: true, force: true });
  }
}

function cleanUpOwnNow(): void {
  // Servers first, so no server is left writing into a directory being removed.
  const entries = [...ownEntries].sort(([, a], [, b]) => Number(b.postmasterPid !== undefined) - Number(a.postmasterPid !== undefined));
  for (const [file, entry] of entries) {
    try {
      cleanUp(entry);
      rmSync(file, { force: true });
    } catch {
      // best effort at exit: the next run's reaper retries
    }
  }
  ownEntries.clear();
}

/** Cleans up after test processes that are gone; returns how many servers it stopped. */
export function reapLeftovers(): number {
  let stopped = 0;
  let names: string[];
  try {
    names = readdirSync(REGISTRY_DIR);
  } catch {
    return 0;
  }
  for (const name of names.filter((n) => n.endsWith('.json'))) {
    const file = join(REGISTRY_DIR, name);
    try {
      const entry = JSON.parse(readFileSync(file, 'utf8')) as Entry;
      if (isAlive(entry.ownerPid)) continue;
      if (entry.postmasterPid !== undefined && entry.dataDir !== undefined && isOurPostmaster(entry.postmasterPid, entry.dataDir)) stopped += 1;
      cleanUp(entry);
      rmSync(file, { force: true });
    } catch {
      // being written right now, or another user's that we may not touch: theirs to reap
    }
  }
  return stopped;
}
