import { existsSync } from 'node:fs';
import { readCgroup } from './proc.js';
import { runCommand, type CommandRunner } from './run-command.js';

/**
 * systemd's view of the docker service. Live restore needs `KillMode=process`: with the
 * default `control-group` (and with `mixed`, once the stop timeout passes) systemd kills
 * every process of the unit, which includes the shims of a dockerd-managed containerd.
 */
export const KillModes = ['control-group', 'mixed', 'process', 'none'] as const;
export type KillMode = (typeof KillModes)[number];

export const parseKillMode = (value: string): KillMode | undefined => {
  const trimmed = value.trim();
  return (KillModes as readonly string[]).includes(trimmed) ? (trimmed as KillMode) : undefined;
};

/** `systemctl show` prints `Key=Value` lines; values may contain '='. */
export const parseSystemctlShow = (text: string): Record<string, string> => {
  const result: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) result[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return result;
};

/** The service unit a process belongs to, from /proc/<pid>/cgroup (v1 name=systemd or v2). */
export const serviceOfCgroup = (cgroupText: string): string | undefined => {
  const lines = cgroupText.split('\n');
  const line = lines.find((l) => l.includes(':name=systemd:')) ?? lines.find((l) => l.startsWith('0::'));
  const path = line?.slice(line.indexOf(':', line.indexOf(':') + 1) + 1) ?? '';
  return path.split('/').reverse().find((part) => part.endsWith('.service'));
};

export interface SystemdService {
  readonly unit: string;
  readonly user: boolean;
  readonly mainPid: number;
  readonly killMode: KillMode | undefined;
  /** As systemctl printed it, for a KillMode this code does not know. */
  readonly killModeText: string;
  readonly activeState: string;
}

export interface SystemdContext {
  readonly user: boolean;
  readonly run?: CommandRunner;
  readonly timeoutMs?: number;
  /** Whether systemd is the init system (default: /run/systemd/system exists). */
  readonly systemdBooted?: boolean;
  readonly procRoot?: string;
}

export const systemdBooted = (): boolean => existsSync('/run/systemd/system');

/**
 * The unit that runs dockerd `pid`, when systemd is the init system and that unit's MainPID
 * is this dockerd; undefined when dockerd runs outside systemd.
 */
export async function findSystemdService(pid: number, context: SystemdContext): Promise<SystemdService | undefined> {
  if (!(context.systemdBooted ?? systemdBooted())) return undefined;
  const cgroup = await readCgroup(pid, context.procRoot);
  const unit = (cgroup === undefined ? undefined : serviceOfCgroup(cgroup)) ?? 'docker.service';
  const run = context.run ?? runCommand;
  const args = [...(context.user ? ['--user'] : []), 'show', unit, '-p', 'MainPID,KillMode,ActiveState'];
  const result = await run('systemctl', args, context.timeoutMs ?? 10_000);
  if (result.status !== 0) return undefined;
  const fields = parseSystemctlShow(result.stdout);
  const mainPid = Number(fields['MainPID']);
  if (mainPid !== pid) return undefined;
  const killModeText = fields['KillMode'] ?? '';
  return {
    unit,
    user: context.user,
    mainPid,
    killMode: parseKillMode(killModeText),
    killModeText,
    activeState: fields['ActiveState'] ?? '',
  };
}
