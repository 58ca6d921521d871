import { readFile, readlink } from 'node:fs/promises';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { flagValues, lastFlagValue, parseDockerdCommandLine, type DockerdCommandLine } from './dockerd-args.js';
import type { DockerEndpoint } from './endpoint.js';
import { listProcesses, readCmdline, readExe, readStat, type ProcEntry } from './proc.js';

/** A running dockerd as /proc shows it. */
export interface DockerdProcess {
  readonly pid: number;
  readonly commandLine: DockerdCommandLine;
  /** /proc/<pid>/exe; ends in " (deleted)" when the binary was replaced since it started. */
  readonly exe: string | undefined;
  /** Its working directory, against which relative paths on its command line resolve. */
  readonly cwd: string | undefined;
  readonly foundBy: 'pidfile' | 'process-scan';
  readonly pidfile?: string;
}

export interface FindDockerdOptions {
  /** --pidfile as given by the user: trusted first. */
  readonly pidfile?: string;
  readonly defaultPidfile: string;
  readonly endpoint: DockerEndpoint;
  /** The socket dockerd listens on when its command line has no -H. */
  readonly defaultSocket: string;
  readonly procRoot?: string;
}

export interface FindDockerdResult {
  readonly process: DockerdProcess | undefined;
  /** Why a pid file was skipped or how the process was chosen, for status output. */
  readonly notes: readonly string[];
}

/**
 * Finds the dockerd serving `endpoint`: through its pid file (--pidfile, then the default
 * one) when that names a live dockerd, else by scanning /proc for a dockerd whose -H list
 * holds the endpoint.
 */
export async function findDockerd(options: FindDockerdOptions): Promise<FindDockerdResult> {
  const procRoot = options.procRoot ?? '/proc';
  const notes: string[] = [];
  const pidfiles = options.pidfile === undefined ? [options.defaultPidfile] : [options.pidfile];
  for (const pidfile of pidfiles) {
    const pid = await readPidfile(pidfile);
    if (pid === undefined) {
      if (options.pidfile !== undefined) notes.push(`pid file ${pidfile} is missing or unreadable`);
      continue;
    }
    const found = await inspectDockerd(pid, procRoot);
    if (found === undefined) {
      notes.push(`pid file ${pidfile} names process ${pid}, which is not a running dockerd`);
      continue;
    }
    if (options.pidfile !== undefined || servesEndpoint(found.commandLine, options.endpoint, options.defaultSocket)) {
      return { process: { ...found, foundBy: 'pidfile', pidfile }, notes };
    }
    notes.push(`dockerd ${pid} from ${pidfile} does not listen on ${options.endpoint.url}`);
  }
  const candidates: Omit<DockerdProcess, 'foundBy'>[] = [];
  for (const entry of await listProcesses(procRoot)) {
    if (entry.comm !== 'dockerd') continue;
    const found = await inspectDockerd(entry.pid, procRoot);
    if (found !== undefined) candidates.push(found);
  }
  const matching = candidates.filter((c) => servesEndpoint(c.commandLine, options.endpoint, options.defaultSocket));
  if (matching.length === 1 && matching[0] !== undefined) return { process: { ...matching[0], foundBy: 'process-scan' }, notes };
  if (matching.length > 1) notes.push(`${matching.length} dockerd processes listen on ${options.endpoint.url}; pass --pidfile`);
  else if (candidates.length === 0) notes.push('no dockerd process is visible in /proc');
  else notes.push(`no visible dockerd lists ${options.endpoint.url} among its -H addresses; pass --pidfile`);
  return { process: undefined, notes };
}

export const readPidfile = async (path: string): Promise<number | undefined> => {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  const pid = Number(text?.trim());
  return text !== undefined && Number.isInteger(pid) && pid > 0 ? pid : undefined;
};

const inspectDockerd = async (pid: number, procRoot: string): Promise<Omit<DockerdProcess, 'foundBy'> | undefined> => {
  const [stat, argv, exe, cwd] = await Promise.all([
    readStat(pid, procRoot),
    readCmdline(pid, procRoot),
    readExe(pid, procRoot),
    readlink(join(procRoot, String(pid), 'cwd')).catch(() => undefined),
  ]);
  if (stat === undefined || argv === undefined || stat.state === 'Z') return undefined;
  const names = [stat.comm, basename(argv[0] ?? ''), basename((exe ?? '').replace(/ \(deleted\)$/, ''))];
  if (!names.includes('dockerd')) return undefined;
  return { pid, commandLine: parseDockerdCommandLine(argv), exe, cwd };
};

/** /var/run is a link to /run on every current distribution. */
const normalizeSocket = (path: string): string => path.replace(/^\/var\/run\//, '/run/');

/** Whether dockerd's -H list (or its default socket when it has none) includes `endpoint`. */
export const servesEndpoint = (line: DockerdCommandLine, endpoint: DockerEndpoint, defaultSocket: string): boolean => {
  const hosts = flagValues(line, 'host');
  // fd:// is systemd socket activation of the default socket.
  const listens = hosts.length === 0 ? [`unix://${defaultSocket}`] : hosts.map((h) => (h.startsWith('fd://') ? `unix://${defaultSocket}` : h));
  return listens.some((h) => {
    if (endpoint.kind === 'unix') {
      const path = h.startsWith('unix://') ? h.slice(7) : h.startsWith('/') ? h : undefined;
      return path !== undefined && normalizeSocket(path) === normalizeSocket(endpoint.socketPath);
    }
    const match = /^(?:tcp:\/\/)?\[?([^\]]*?)\]?:(\d+)$/.exec(h);
    if (match === null || Number(match[2]) !== endpoint.port) return false;
    const host = match[1] ?? '';
    return host === endpoint.host || host === '0.0.0.0' || host === '' || host === '::';
  });
};

/** The containerd dockerd started itself (its child), if it did not use a system one. */
export const findManagedContainerd = (dockerdPid: number, processes: readonly ProcEntry[]): ProcEntry | undefined =>
  processes.find((p) => p.ppid === dockerdPid && p.comm === 'containerd');

/** dockerd's --config-file, made absolute against its working directory. */
export const configFileOf = (dockerd: Pick<DockerdProcess, 'commandLine' | 'cwd'>): string | undefined => {
  const value = lastFlagValue(dockerd.commandLine, 'config-file');
  if (value === undefined || isAbsolute(value)) return value;
  return dockerd.cwd === undefined ? undefined : resolve(dockerd.cwd, value);
};
