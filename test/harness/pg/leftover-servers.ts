import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Every server the harness starts is registered here (one small JSON file each) with the pid
 * of the test process that owns it. A test process that dies without its teardown leaves the
 * entry behind; the next run's global setup (and this run's teardown) stops those servers and
 * removes their directories, so a crashed run never leaves PostgreSQL running for ever.
 */
const REGISTRY_DIR = join(tmpdir(), 'warmstandby-pg-running');

interface Entry {
  readonly ownerPid: number;
  readonly postmasterPid: number;
  readonly dataDir: string;
  readonly baseDir: string;
}

const ownEntries = new Map<string, Entry>();
let exitHookInstalled = false;

function registryDir(): string {
  mkdirSync(REGISTRY_DIR, { recursive: true });
  try {
    chmodSync(REGISTRY_DIR, 0o1777); // shared by every user who runs the tests on this machine
  } catch {
    // someone else's directory: its mode is already right
  }
  return REGISTRY_DIR;
}

/** Records a running postmaster; returns the handle to pass to forgetServer when it stops. */
export function registerServer(postmasterPid: number, dataDir: string, baseDir: string): string {
  const file = join(registryDir(), `${postmasterPid}-${randomUUID()}.json`);
  const entry: Entry = { ownerPid: process.pid, postmasterPid, dataDir, baseDir };
  writeFileSync(file, JSON.stringify(entry));
  ownEntries.set(file, entry);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', stopOwnServersNow);
  }
  return file;
}

export function forgetServer(handle: string): void {
  ownEntries.delete(handle);
  rmSync(handle, { force: true });
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

/** SIGQUIT is PostgreSQL's immediate shutdown: no checkpoint, children exit at once. */
function stopPostmaster(entry: Entry): void {
  if (!isOurPostmaster(entry.postmasterPid, entry.dataDir)) return;
  try {
    process.kill(entry.postmasterPid, 'SIGQUIT');
  } catch {
    // already gone
  }
}

function stopOwnServersNow(): void {
  for (const [file, entry] of ownEntries) {
    stopPostmaster(entry);
    rmSync(file, { force: true });
  }
  ownEntries.clear();
}

/** Stops servers whose test process is gone and removes their directories; returns how many. */
export function reapLeftoverServers(): number {
  let reaped = 0;
  let names: string[];
  try {
    names = readdirSync(REGISTRY_DIR);
  } catch {
    return 0;
  }
  for (const name of names.filter((n) => n.endsWith('.json'))) {
    const file = join(REGISTRY_DIR, name);
    let entry: Entry;
    try {
      entry = JSON.parse(readFileSync(file, 'utf8')) as Entry;
    } catch {
      continue; // being written right now, or not ours to judge
    }
    if (isAlive(entry.ownerPid)) continue;
    try {
      stopPostmaster(entry);
      // Only ever delete what the harness made: a ws- directory directly under the temp dir.
      if (entry.baseDir.startsWith(join(tmpdir(), 'ws-')) && process.env['WS_KEEP_TEST_DIRS'] !== '1') {
        rmSync(entry.baseDir, { recursive: true, force: true });
      }
      rmSync(file, { force: true });
      reaped += 1;
    } catch {
      // another user's leftover that we may not touch: theirs to reap
    }
  }
  return reaped;
}
