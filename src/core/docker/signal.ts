import { RefusedError } from './errors.js';
import { runCommand, type CommandRunner } from './run-command.js';
import type { SystemdService } from './systemd.js';

export interface ReloadTarget {
  readonly pid: number;
  /** When systemd runs dockerd, reload through it so the unit's ExecReload is honoured. */
  readonly systemd?: SystemdService;
}

export interface ReloadSent {
  readonly method: 'systemctl' | 'signal';
  readonly detail: string;
}

/**
 * Asks dockerd to re-read its configuration file: `systemctl reload <unit>` when systemd
 * manages it, SIGHUP otherwise. Neither says whether the reload worked (systemctl exits 0
 * even when dockerd rejects the file): callers confirm through the daemon's reload event.
 */
export async function sendReload(
  target: ReloadTarget,
  options: { readonly run?: CommandRunner; readonly timeoutMs?: number; readonly kill?: (pid: number, signal: NodeJS.Signals) => void } = {},
): Promise<ReloadSent> {
  if (target.systemd !== undefined) {
    const { unit, user } = target.systemd;
    const args = [...(user ? ['--user'] : []), 'reload', unit];
    const result = await (options.run ?? runCommand)('systemctl', args, options.timeoutMs ?? 30_000);
    if (result.status !== 0) {
      const reason = result.failure ?? (result.stderr.trim() || `exit status ${result.status ?? '?'}`);
      throw new RefusedError('reload-failed', `Cannot reload ${unit}: ${reason}`);
    }
    return { method: 'systemctl', detail: `systemctl ${args.join(' ')}` };
  }
  try {
    (options.kill ?? process.kill)(target.pid, 'SIGHUP');
  } catch (error) {
    const code = (error as { code?: string }).code;
    const reason = code === 'EPERM' ? 'permission denied' : code === 'ESRCH' ? 'no such process' : String(error);
    throw new RefusedError('reload-failed', `Cannot send SIGHUP to dockerd (pid ${target.pid}): ${reason}`, {
      ...(code === 'EPERM' ? { hint: 'Run as root (or as the user running a rootless dockerd).' } : {}),
    });
  }
  return { method: 'signal', detail: `kill -HUP ${target.pid}` };
}
