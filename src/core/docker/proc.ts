import { readFile, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';

/** What /proc tells about one process. Every reader returns undefined when it is gone. */
export interface ProcEntry {
  readonly pid: number;
  readonly comm: string;
  /** R, S, D, Z (zombie: exited, not yet reaped), ... */
  readonly state: string;
  readonly ppid: number;
}

export const readCmdline = async (pid: number, procRoot = '/proc'): Promise<string[] | undefined> => {
  const raw = await readFile(join(procRoot, String(pid), 'cmdline')).catch(() => undefined);
  if (raw === undefined || raw.length === 0) return undefined;
  const text = raw.toString('utf8');
  return (text.endsWith('\0') ? text.slice(0, -1) : text).split('\0');
};

/** pid, comm and parent from /proc/<pid>/stat (comm may hold spaces and parentheses). */
export const readStat = async (pid: number, procRoot = '/proc'): Promise<ProcEntry | undefined> => {
  const text = await readFile(join(procRoot, String(pid), 'stat'), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  return parseProcStat(text);
};

export const parseProcStat = (text: string): ProcEntry | undefined => {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const fields = text.slice(close + 2).split(' ');
  const ppid = Number(fields[1]);
  const pid = Number(text.slice(0, open).trim());
  if (!Number.isInteger(pid) || !Number.isInteger(ppid)) return undefined;
  return { pid, comm: text.slice(open + 1, close), state: fields[0] ?? '', ppid };
};

/** The executable's path; " (deleted)" marks a binary replaced on disk since it started. */
export const readExe = (pid: number, procRoot = '/proc'): Promise<string | undefined> =>
  readlink(join(procRoot, String(pid), 'exe')).catch(() => undefined);

export const readCgroup = (pid: number, procRoot = '/proc'): Promise<string | undefined> =>
  readFile(join(procRoot, String(pid), 'cgroup'), 'utf8').catch(() => undefined);

export const listPids = async (procRoot = '/proc'): Promise<number[]> => {
  const names = await readdir(procRoot).catch(() => [] as string[]);
  return names.filter((n) => /^\d+$/.test(n)).map(Number);
};

/** Every process with its parent, for finding dockerd and its children. */
export const listProcesses = async (procRoot = '/proc'): Promise<ProcEntry[]> => {
  const entries = await Promise.all((await listPids(procRoot)).map((pid) => readStat(pid, procRoot)));
  return entries.filter((e): e is ProcEntry => e !== undefined);
};

/** Whether the process exists and has not exited (a zombie counts as gone). */
export const processAlive = async (pid: number, procRoot = '/proc'): Promise<boolean> => {
  const entry = await readStat(pid, procRoot);
  return entry !== undefined && entry.state !== 'Z' && entry.state !== 'X';
};
