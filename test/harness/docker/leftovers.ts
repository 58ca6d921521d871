import { execFile } from 'node:child_process';
import { readdir, readFile, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { listProcesses, readCgroup, readCmdline } from '../../../src/core/docker/proc.js';

const run = promisify(execFile);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Processes that belong to a private dockerd's directory: whatever names the directory on
 * its command line (dockerd, its containerd, the shims, whose -address lies in the exec
 * root), and the containers' own processes, found by their cgroup (named after container
 * ids listed in the data root) or as children of those shims.
 */
const processesOf = async (dir: string): Promise<number[]> => {
  const ids = await readdir(join(dir, 'data', 'containers')).catch(() => [] as string[]);
  const processes = await listProcesses();
  const owners = new Set<number>();
  for (const entry of processes) {
    if (entry.pid === process.pid) continue;
    const argv = await readCmdline(entry.pid);
    if (argv?.some((arg) => arg.includes(dir)) === true) owners.add(entry.pid);
    else if (ids.length > 0) {
      const cgroup = (await readCgroup(entry.pid)) ?? '';
      if (ids.some((id) => cgroup.includes(id))) owners.add(entry.pid);
    }
  }
  // Children first, so a container's init is gone before its shim.
  const children = processes.filter((p) => owners.has(p.ppid) && !owners.has(p.pid)).map((p) => p.pid);
  return [...children, ...owners];
};

const mountsUnder = async (dir: string): Promise<string[]> => {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  const points = text
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((p): p is string => p !== undefined)
    .map((p) => p.replace(/\\([0-7]{3})/g, (_m, octal: string) => String.fromCharCode(parseInt(octal, 8))))
    .filter((p) => p === dir || p.startsWith(`${dir}/`));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
};

/** Kills what is left of a private dockerd, unmounts under its directory and removes it. */
export async function removeDockerdLeftovers(dir: string): Promise<void> {
  for (let round = 0; round < 50; round += 1) {
    const pids = await processesOf(dir);
    if (pids.length === 0) break;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    await sleep(100);
  }
  for (const mount of await mountsUnder(dir)) {
    await run('umount', [mount]).catch(() => run('umount', ['-l', mount]).catch(() => undefined));
  }
  const remaining = await mountsUnder(dir);
  if (remaining.length > 0) throw new Error(`Cannot remove ${dir}: still mounted: ${remaining.join(', ')}`);
  await rm(dir, { recursive: true, force: true });
  await removeSharedRuntimeDirs();
}

/**
 * dockerd and containerd create /run/docker/plugins and /run/containerd/s whatever their
 * roots are. Remove them (only when empty) once no dockerd or containerd runs at all.
 */
const removeSharedRuntimeDirs = async (): Promise<void> => {
  const busy = (await listProcesses()).some((p) => p.comm === 'dockerd' || p.comm === 'containerd');
  if (busy) return;
  for (const path of ['/run/docker/plugins', '/run/docker', '/run/containerd/s', '/run/containerd']) {
    await rmdir(path).catch(() => undefined);
  }
};
